// Interim: replaced by the validating readers of the io branch.
#include "io/checkpoint.h"

#include <mlx/io.h>

namespace mlxocr {

TensorMap load_checkpoint_tensors(const std::filesystem::path& model_dir) {
  TensorMap out;
  for (auto& [name, value] :
       mx::load_safetensors((model_dir / "model.safetensors").string()).first) {
    out.emplace(name, value);
  }
  return out;
}

}  // namespace mlxocr
