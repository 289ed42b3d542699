// Linear layers with 8-bit weights as integer products (int8_linear.cpp).
#pragma once

#include <mlx/array.h>

#include <optional>

#include "kernels/cpu/int8_path.h"

namespace mlxocr {

namespace mx = mlx::core;

// x W^T + b for x [N, in] and an 8-bit weight as mx::quantize stores it, as integer products:
// the activations are quantized per row and weight group to int8 (int8_linear.cpp says how)
// and multiplied with the codes by the path int8_path.h chose (AVX-512 VNNI, AVX-VNNI, AVX2 or
// portable C++; all give the same bits). int8_linear_supports says whether this CPU and shape can
// (a path other than off, groups of a multiple of 16, out a multiple of 16); elsewhere linear()
// dequantizes the weight for sgemm instead. The overload with a path (tests, benchmarks) runs
// that one; one this CPU lacks is refused.
bool int8_linear_supports(int features, int outputs, int group_size, int bits);
mx::array int8_linear_cpu(const mx::array& x, const mx::array& packed, const mx::array& scales,
                          const mx::array& biases, int group_size,
                          const std::optional<mx::array>& bias);
mx::array int8_linear_cpu(const mx::array& x, const mx::array& packed, const mx::array& scales,
                          const mx::array& biases, int group_size,
                          const std::optional<mx::array>& bias, kernel::Int8Path path);

}  // namespace mlxocr
