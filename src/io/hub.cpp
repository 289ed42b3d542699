// fetch_hub_model: the cache first, then the hub through it (io/hub_cache.h, io/hub_download.h).
#include "io/hub.h"

#include <iostream>
#include <memory>

#include "io/hub_cache.h"
#include "io/hub_download.h"
#include "io/hub_names.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;
using namespace hub;

fs::path fetch_hub_model(const HubModelId& id, const HubSettings& settings) {
  const fs::path repo_folder = hub_repo_folder(settings.cache, id.repo);
  const std::optional<std::string> commit =
      is_commit(id.revision) ? std::optional(id.revision) : read_ref(repo_folder, id.revision);
  Walk cached;
  if (commit && fs::is_directory(repo_folder / "snapshots" / *commit)) {
    const std::unique_ptr<FileSource> files = cached_files(repo_folder, *commit);
    cached = walk_model_files(*files, id.text());
    if (cached.complete || (settings.offline && cached.essential)) return files->snapshot();
  }
  if (settings.offline) {
    throw HubError(id.text() + " is not in the hub cache " + settings.cache.string() +
                   (commit ? " (its cached snapshot lacks config.json or weights)" : "") +
                   " and HF_HUB_OFFLINE is set, which forbids downloading it");
  }
  const std::unique_ptr<FileSource> hub = hub_files(id, settings, repo_folder, commit);
  try {
    walk_model_files(*hub, id.text());
  } catch (const HubNetworkError& e) {
    if (cached.essential) {
      std::cerr << "mlxocr: warning: the hub is unreachable (" << e.what()
                << "); using the cached copy of " << id.text() << "\n";
      return repo_folder / "snapshots" / *commit;
    }
    throw HubNetworkError(id.text() + ": cannot download from " + settings.endpoint + ": " +
                          e.what() + " (set HF_HUB_OFFLINE=1 to use the cache only)");
  }
  return hub->snapshot();
}

}  // namespace mlxocr
