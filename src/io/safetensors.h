// Reading and writing the safetensors format (https://github.com/huggingface/safetensors): an
// 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
// range, then the tensors' bytes. Every field of the header is checked before anything is
// allocated; a bad file throws CheckpointError naming the file, the tensor and what was expected.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "io/tensor_map.h"

namespace mlxocr {

// Loads every tensor of `file`. Kept in the stored dtype: F32, F16, BF16, the integer types and
// BOOL; F64 is converted to float32 (MLX's GPU backends have no float64). FP8 and other dtypes
// MLX lacks are refused. Throws FileError when the file cannot be read, CheckpointError when its
// contents are malformed.
TensorMap load_safetensors(const std::filesystem::path& file);

// The string-to-string `__metadata__` of `file` (empty when it has none). The whole header is
// validated, the tensor data is not read.
std::map<std::string, std::string> read_safetensors_metadata(const std::filesystem::path& file);

// Writes `tensors` (row-major, each in its own dtype) and `metadata` to `file` atomically: a
// temporary file in the same folder is renamed over `file` only once fully written. The header is
// padded with spaces to a multiple of 8 bytes, as the reference implementation does, so every
// tensor is aligned to its element size. Throws CheckpointError for tensors safetensors cannot
// hold (complex64, a tensor named "__metadata__"), FileError when writing fails.
void save_safetensors(const std::filesystem::path& file, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace mlxocr
