// Reading pytorch_model.bin: the zip archive torch.save writes (torch >= 1.6), whose data.pkl is
// run by a whitelist unpickler that never executes code (see torch_pickle.h).
#pragma once

#include <filesystem>

#include "io/tensor_map.h"

namespace mlxocr {

// Loads the tensors of the state dict in `file` (top-level, or nested under "state_dict" or
// "model"), each materialised as a contiguous array in its stored dtype (float64 becomes
// float32). Views are honoured: storage offsets, arbitrary strides and storages shared by several
// tensors (tied weights) give the values torch would show. Refuses legacy (pre-1.6) files,
// compressed or big-endian archives, and any pickle that names something other than tensor
// storages and OrderedDict. Throws FileError when the file cannot be read, CheckpointError
// naming the file and the tensor for anything malformed.
TensorMap load_torch_checkpoint(const std::filesystem::path& file);

}  // namespace mlxocr
