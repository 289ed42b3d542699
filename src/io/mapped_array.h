// MLX arrays whose storage is a checkpoint's memory mapping, not a copy of it: loading a model
// then reads nothing up front; each page comes in from the page cache when first used, and
// processes using the same file share those pages, as PyTorch's loader does with its own mapping.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include <mlx/array.h>

#include "io/mapped_file.h"

namespace mlxocr {

namespace mx = mlx::core;

// Whether loaders may hand out arrays over mappings: only MLX's CPU backend (GPU backends own
// their memory), only where MLX's CPU buffers keep their data at a fixed distance after the
// buffer's address (checked at run time, as every MLX release so far has it), and not when the
// environment sets MLXOCR_MAP_WEIGHTS=0 (every tensor is then read into fresh memory: for
// comparisons, or for a checkpoint on a file system where paging from the file is slow).
bool mapped_arrays_supported();

// A row-contiguous array of `shape` and `dtype` over bytes [offset, offset + its size) of `file`,
// which must be a copy_on_write mapping: MLX never reuses a buffer it does not own for an
// output (array::is_donatable), but should anything write into one all the same, the page
// becomes the process's private copy instead of a crash or a changed file. The array keeps the
// mapping alive; when MLX frees it, its whole pages are unmapped (MappedFile::unmap), so a
// tensor replaced at load (q/k/v joined into one matrix) stops counting in the resident set.
// nullopt where mapped_arrays_supported() is false, the array would be empty, or the bytes are
// not aligned to the element size: the caller then copies.
std::optional<mx::array> array_over_mapping(const std::shared_ptr<const MappedFile>& file,
                                            std::size_t offset, const mx::Shape& shape,
                                            mx::Dtype dtype);

}  // namespace mlxocr
