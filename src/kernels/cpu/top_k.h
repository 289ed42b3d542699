// The k largest entries of each row, for beam search (top_k.cpp).
#pragma once

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// The indices of the k largest entries of each row of x [rows, n], best first (ties: the lower
// index first; NaN never picked): int32 [rows, k]. float32, CPU. Beam search's
// pick of 2 x beams candidates among beams x vocabulary scores, where MLX's argpartition
// partially sorts the whole row on one thread.
mx::array top_indices_cpu(const mx::array& x, int k);

}  // namespace mlxocr
