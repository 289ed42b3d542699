// What --model / MODEL names: a local model folder, or a Hugging Face hub id "org/name[@revision]"
// looked up in the local hub cache and downloaded into it when absent (see io/hub.h).
#pragma once

#include <filesystem>
#include <string>

namespace mlxocr {

// The folder holding the model `spec` names: the bundled default model when `spec` is empty
// (io/default_model.h); `spec` itself when it is an existing folder; for a
// hub id, the cache's snapshot folder (models--org--name/snapshots/COMMIT), downloading the model
// files first when they are not cached (and HF_HUB_OFFLINE is not set). Throws UsageError when
// `spec` is neither an existing folder nor a hub id, HubError when the hub cannot provide it.
std::filesystem::path resolve_model(const std::string& spec);

}  // namespace mlxocr
