// Whole rows picked by an index, and the gradient that adds them back (take_rows.cpp).
#pragma once

#include <mlx/array.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace mlxocr {

namespace mx = mlx::core;

// Rows of x [N, w] picked by `index` (each in [0, N), repeats allowed): [index.size(), w];
// float32, CPU. The gradient adds each row back at its index.
mx::array take_rows_cpu(const mx::array& x, std::shared_ptr<const std::vector<std::int32_t>> index);

}  // namespace mlxocr
