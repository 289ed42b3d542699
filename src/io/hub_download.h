// The hub through the cache: model files downloaded over HTTP into the hub cache as
// huggingface_hub stores them (blobs named by ETag, snapshot links, refs, .no_exist, locks),
// resumed, checked against their hashes, with clear errors for each status (internal to
// io/hub*: fetch_hub_model in io/hub.h is the public face).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "io/hub.h"
#include "io/hub_cache.h"

namespace mlxocr::hub {

// Files in the snapshot of `commit` (when known) or known absent are not requested again; the
// others are asked for (HEAD) and downloaded. `settings` must outlive the source.
std::unique_ptr<FileSource> hub_files(const HubModelId& id, const HubSettings& settings,
                                      std::filesystem::path repo_folder,
                                      std::optional<std::string> commit);

}  // namespace mlxocr::hub
