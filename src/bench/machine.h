// What the machine can do, measured the way the model uses it: sgemm through MLX (the BLAS it
// calls), memory bandwidth as a large reduction (reading is what streaming weights does), and
// the process's peak resident memory.
#pragma once

#include <cstdint>
#include <string>

namespace mlxocr {

// Best GFLOP/s of an [n, n] x [n, n] float32 mx::matmul over repetitions lasting `seconds`.
double measure_sgemm_gflops(int n, double seconds);

// Best GB/s of summing a float32 array of `bytes` bytes, over repetitions lasting `seconds`.
double measure_read_bandwidth_gbs(std::size_t bytes, double seconds);

// The shared library that provides cblas_sgemm to MLX in this process (the wheel's reference
// BLAS, or OpenBLAS when linked or preloaded ahead of it); "unknown" when it cannot be told.
std::string blas_library();

// Peak resident set size of this process in bytes (VmHWM, else getrusage's ru_maxrss).
std::uint64_t peak_rss_bytes();

}  // namespace mlxocr
