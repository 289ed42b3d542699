// Loads all weight tensors of a Hugging Face model folder.
#pragma once

#include <filesystem>

#include "io/tensor_map.h"

namespace mlxocr {

TensorMap load_checkpoint_tensors(const std::filesystem::path& model_dir);

}  // namespace mlxocr
