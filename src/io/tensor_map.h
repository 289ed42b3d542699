// Tensors of a checkpoint by their Hugging Face names.
#pragma once

#include <mlx/array.h>
#include <map>
#include <string>

namespace mlxocr {

namespace mx = mlx::core;

// Tensors of a checkpoint by their Hugging Face names, in the dtype they were stored in.
using TensorMap = std::map<std::string, mx::array>;

}  // namespace mlxocr
