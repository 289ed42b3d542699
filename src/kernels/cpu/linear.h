// nn.Linear on many rows as one cblas_sgemm (linear.cpp).
#pragma once

#include <mlx/array.h>

#include <optional>

namespace mlxocr {

namespace mx = mlx::core;

// x W^T + b for x [N, in] as one sgemm, float32, CPU; its weight gradient is computed in the
// weight's own [out, in] layout (through MLX's ops it is a transposed view that later passes copy).
mx::array linear_cpu(const mx::array& x, const mx::array& weight,
                     const std::optional<mx::array>& bias);

}  // namespace mlxocr
