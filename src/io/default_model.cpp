#include "io/default_model.h"

#include <cstdlib>
#include <system_error>

#include "mlxocr/error.h"

#ifndef MLXOCR_BUNDLED_MODEL_DIR
#error "CMake defines MLXOCR_BUNDLED_MODEL_DIR (the source tree's models/ folder)"
#endif

namespace mlxocr {

namespace fs = std::filesystem;

fs::path default_model_dir() {
  const char* from_env = std::getenv("MLXOCR_DEFAULT_MODEL");
  const bool overridden = from_env != nullptr && *from_env != '\0';
  const fs::path dir = overridden ? fs::path(from_env) : fs::path(MLXOCR_BUNDLED_MODEL_DIR);
  std::error_code ec;
  if (fs::is_regular_file(dir / "config.json", ec)) return dir;
  throw UsageError("no --model given and the default model is missing: " + dir.string() +
                   " has no config.json (" +
                   (overridden ? "set by MLXOCR_DEFAULT_MODEL" : "the bundled copy") +
                   "); pass --model FOLDER or a hub id, or set MLXOCR_DEFAULT_MODEL");
}

}  // namespace mlxocr
