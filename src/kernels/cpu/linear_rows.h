// A linear layer on the few rows of a decoding step (one token per sequence), float32 or 8/4-bit
// quantized (linear_rows.cpp): each weight row read once for all rows, where OpenBLAS's sgemm
// repacks the whole weight for one row.
#pragma once

#include <mlx/array.h>

#include <optional>

namespace mlxocr {

namespace mx = mlx::core;

// x W^T + b for x [..., in] with at most kLinearRowsMax rows in all, weight [out, in], bias
// [out]; float32, CPU. Reads each weight row once for all rows (the weight-streaming bound).
constexpr int kLinearRowsMax = 8;
mx::array linear_rows_cpu(const mx::array& x, const mx::array& weight,
                          const std::optional<mx::array>& bias);

// The same with the weight quantized as mx::quantize stores it (codes [out, in * bits / 32]
// uint32, scales and biases [out, in / group_size] float32): each weight is dequantized once and
// used for every row, so the layer streams bits/32 of the float32 bytes. MLX's own CPU
// quantized matmul is scalar code, slower than float32 on a good BLAS.
bool quantized_linear_rows_supports(int group_size, int bits);  // 4 or 8 bits, groups % 8 == 0
mx::array quantized_linear_rows_cpu(const mx::array& x, const mx::array& packed,
                                    const mx::array& scales, const mx::array& biases,
                                    int group_size, int bits, const std::optional<mx::array>& bias);

}  // namespace mlxocr
