// nn.LayerNorm's forward and gradient as CPU kernels (layer_norm.cpp).
#pragma once

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// nn.LayerNorm over the last axis, (x - mean) / sqrt(var + eps) * weight + bias with the biased
// variance, as torch computes it; x [..., C], weight and bias [C]; float32, CPU. MLX's CPU
// backend has no layer-norm kernel: mx::fast::layer_norm becomes about eight single-threaded
// passes over x, its gradient about fifteen plus strided sums for the weight and bias.
mx::array layer_norm_cpu(const mx::array& x, const mx::array& weight, const mx::array& bias,
                         float eps);

}  // namespace mlxocr
