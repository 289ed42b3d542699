// A whitelist interpreter for the pickle (data.pkl) inside a torch.save archive. It understands the
// opcodes torch.save emits (protocols 2 to 5), builds plain values, and refuses every global other
// than OrderedDict, torch's tensor/parameter rebuild functions and the typed storage classes.
// Nothing named by the pickle is ever called: the rebuild "calls" only record a tensor view.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <mlx/dtype.h>

namespace mlxocr {

namespace mx = mlx::core;

// A storage named by a persistent id: the bytes of `data/<key>` in the archive, holding `numel`
// elements of `dtype` (`type_name` is torch's class name, e.g. "FloatStorage").
struct TorchStorage {
  std::string key;
  std::string type_name;
  mx::Dtype dtype = mx::float32;
  std::int64_t numel = 0;
};

// A tensor as _rebuild_tensor_v2 describes it: a strided view into a storage, in elements.
// Only the types are checked here; the caller checks the view against the storage's bytes.
struct TorchTensorView {
  std::shared_ptr<const TorchStorage> storage;
  std::int64_t offset = 0;
  std::vector<std::int64_t> size;
  std::vector<std::int64_t> stride;
};

// Runs `pickle` and returns the tensors of the state dict it holds, by name: the entries of the
// top-level dict whose values are tensors, or, when it has none, those of a nested "state_dict"
// or "model" dict. Other entries (epochs, optimizer state, metadata) are ignored.
// `where` names the checkpoint in messages. Throws CheckpointError for anything outside the
// whitelist, malformed pickles and pickles beyond the size limits below.
std::map<std::string, TorchTensorView> unpickle_torch_state_dict(std::string_view pickle,
                                                                 const std::string& where);

}  // namespace mlxocr
