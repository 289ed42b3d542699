#include "io/model_resolver.h"

#include <system_error>

#include "io/default_model.h"
#include "io/hub.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

fs::path resolve_model(const std::string& spec) {
  if (spec.empty()) return default_model_dir();
  std::error_code ec;
  if (fs::is_directory(spec, ec)) return spec;
  const std::optional<HubModelId> id = parse_hub_model_id(spec);
  if (!id) {
    if (fs::exists(spec, ec)) {
      throw UsageError(spec +
                       " is a file; a model is a folder (config.json, weights, tokenizer) "
                       "or a hub id org/name[@revision]");
    }
    throw UsageError("no such model folder: " + spec +
                     " (nor is it a Hugging Face hub id org/name[@revision])");
  }
  try {
    return fetch_hub_model(*id, HubSettings::from_environment());
  } catch (const HubError& e) {
    // "models/foo" may have been meant as a path.
    const bool could_be_path = id->revision == "main" && spec.find('@') == std::string::npos;
    if (!could_be_path) throw;
    throw HubError(std::string(e.what()) + " [there is no local folder '" + spec + "' either]");
  }
}

}  // namespace mlxocr
