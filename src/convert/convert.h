// mlxocr convert: a Hugging Face TrOCR checkpoint (folder, hub id or fine-tuned weights file) to a
// folder in mlxocr's own layout, optionally in half precision and with quantized linear layers.
//
// The converted folder holds config.json (the Hugging Face config plus an "mlxocr" section:
// format version, dtype, quantization), mlxocr.safetensors (q/k/v projections fused, MLX's
// quantized triplets weight/scales/biases where quantized, the unused pooler left out) and the
// tokenizer, preprocessor and generation files of the source. It is written into a temporary
// folder next to the output, then renamed into place, so an interrupted conversion leaves nothing
// half-written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/tensor_map.h"
#include "mlxocr/convert.h"
#include "model/model.h"

namespace mlxocr {

struct QuantizationReport {
  std::vector<std::string> quantized;  // layer names (converted layout)
  // Layers left in floating point: "name (input width 48)" when the width is not a multiple of
  // the group size (MLX quantizes whole groups of inputs).
  std::vector<std::string> skipped;
};

// What a conversion did, in the engine's terms (mlxocr::convert reports it as ConvertResult).
struct Conversion {
  std::filesystem::path output;
  ConvertedFormat format;
  QuantizationReport quantization;
  std::vector<std::string> copied_files;
  std::vector<std::string> warnings;  // unexpected tensors, files missing from the source
  std::uintmax_t source_weight_bytes = 0;
  std::uintmax_t output_weight_bytes = 0;
};

// Checks the options (bits 4/8, group size 32/64/128, dtype, output folder), then converts.
// Throws UsageError for bad options or an existing output without `force`, FileError when the
// output cannot be written, CheckpointError / ConfigError / TokenizerError for a source missing a
// file.
Conversion convert_model(const ConvertOptions& options);

// The two steps of a conversion, in memory. Quantizes the decoder's linear layers (embedding table
// and output projection included) and, with `encoder`, the encoder's and enc_to_dec_proj; the
// patch embedding stays in floating point. Layers whose input width is not a multiple of
// `group_size` are skipped and reported.
QuantizationReport quantize_model(TrOCRModel& model, int bits, int group_size, bool encoder);
// The tensors of mlxocr.safetensors for `model`, floating ones cast to `dtype`.
TensorMap converted_tensors(TrOCRModel& model, mx::Dtype dtype);

// Total size of the regular files in `folder` (symlinks followed), 0 when it does not exist.
std::uintmax_t folder_bytes(const std::filesystem::path& folder);

}  // namespace mlxocr
