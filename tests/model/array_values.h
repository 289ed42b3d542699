// A float32 MLX array's elements in row-major order, as a vector the tests compare.
#pragma once

#include <mlx/array.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include <vector>

namespace mlxocr::testing {

inline std::vector<float> values(const mlx::core::array& a) {
  mlx::core::array c = mlx::core::contiguous(a);
  mlx::core::eval(c);
  return {c.data<float>(), c.data<float>() + c.size()};
}

}  // namespace mlxocr::testing
