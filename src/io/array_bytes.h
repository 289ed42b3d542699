// Turning the bytes of a checkpoint into MLX arrays (shared by the safetensors and torch readers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// A tensor as it lies in a checkpoint's bytes: `shape` elements of `dtype`, the first one
// `offset` elements after `base`, consecutive ones along each axis `strides` elements apart
// (row-major in safetensors, any torch view in pytorch_model.bin). Little-endian.
// The caller has checked that every element lies inside the bytes and that every dimension fits
// MLX's 32-bit shape.
struct StoredTensor {
  const std::uint8_t* base = nullptr;
  mx::Dtype dtype = mx::float32;
  std::int64_t offset = 0;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> strides;
};

// The dtype a tensor stored as `stored` is loaded as: the same, except float64, which becomes
// float32 because MLX's GPU backends have no float64.
mx::Dtype loaded_dtype(mx::Dtype stored);

// A new, uninitialised, row-contiguous array of `shape` and `dtype` from MLX's allocator, for a
// loader to fill. The whole 2 MB frames inside a large one are marked for transparent huge pages
// where the kernel has them (Linux, THP "madvise" or "always"): filling a 100 MB tensor then takes
// ~50 page faults instead of ~25 000, which were most of a checkpoint's load time, and the
// weights streamed by every decoding step need fewer TLB entries.
mx::array allocate_array(const std::vector<std::int64_t>& shape, mx::Dtype dtype);

// A new, materialised, row-contiguous array holding the tensor's values in loaded_dtype().
// Booleans are normalised to 0/1 so that no byte pattern becomes an invalid bool.
mx::array materialise(const StoredTensor& tensor);

// Row-major strides, in elements, of a tensor of `shape`.
std::vector<std::int64_t> row_major_strides(const std::vector<std::int64_t>& shape);

// "[32, 64]": a shape (or any list of integers) as messages print it.
std::string shape_string(const std::vector<std::int64_t>& shape);
std::string shape_string(const mlx::core::Shape& shape);

// MLX stores each dimension in 32 bits.
inline constexpr std::int64_t kMaxDimension = 2147483647;

}  // namespace mlxocr
