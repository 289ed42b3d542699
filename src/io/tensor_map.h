// The tensors of a checkpoint, as every reader in src/io/ returns them.
#pragma once

#include <map>
#include <string>

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// Tensors of a checkpoint by their Hugging Face names, in the dtype they were stored in.
using TensorMap = std::map<std::string, mx::array>;

}  // namespace mlxocr
