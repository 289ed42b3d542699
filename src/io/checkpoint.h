// Loading the weights of a Hugging Face model folder, whichever of the usual forms it holds.
#pragma once

#include <filesystem>

#include "io/tensor_map.h"

namespace mlxocr {

// Loads all weight tensors of a Hugging Face model folder, whichever form it holds, in this order
// of preference: model.safetensors; model.safetensors.index.json (sharded: every shard named in
// its weight_map is loaded, and every named tensor must be in its shard); pytorch_model.bin;
// pytorch_model.bin.index.json (sharded .bin). Shard names with path separators are refused.
// Throws CheckpointError listing what was looked for when the folder holds none of these, and
// naming the shard or tensor at fault otherwise.
TensorMap load_checkpoint_tensors(const std::filesystem::path& model_dir);

}  // namespace mlxocr
