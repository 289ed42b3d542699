// NumPy .npy files (format 1.0/2.0): writing float32 tensors for debugging against Python, and a
// bounded reader for fixtures recorded by tools/reference.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mlxocr {

// Writes `data` (product of `shape` floats, C order) as NumPy format 1.0, dtype '<f4',
// atomically (see write_file_atomic). Throws FileError on I/O failure, UsageError for a negative
// dimension.
void write_npy(const std::filesystem::path& path, const float* data,
               const std::vector<int64_t>& shape);

// A whole .npy array: dtype descriptor as written in the header ('<f4', '<f8', '|u1', ...),
// shape, and the raw little-endian bytes in C order.
struct NpyArray {
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;
  int64_t size() const;  // number of elements
};

// Reads any .npy of a little-endian (or byte-sized) numeric dtype in C order. Refuses files
// above `max_bytes`, Fortran order, object arrays and headers that do not match the data.
// Throws FileError naming the file and the problem.
NpyArray read_npy(const std::filesystem::path& path, uint64_t max_bytes = uint64_t{1} << 30);

// read_npy requiring dtype '<f4'; returns the values and sets `shape`.
std::vector<float> read_npy_f32(const std::filesystem::path& path, std::vector<int64_t>& shape,
                                uint64_t max_bytes = uint64_t{1} << 30);

}  // namespace mlxocr
