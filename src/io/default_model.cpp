#include "io/default_model.h"

#include <dlfcn.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <system_error>

#include "mlxocr/error.h"

#ifndef MLXOCR_BUNDLED_MODEL_DIR
#error "CMake defines MLXOCR_BUNDLED_MODEL_DIR (the source tree's models/ folder)"
#endif

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

// The installed layout (cmake/package.cmake): PREFIX/{bin,lib}/ beside PREFIX/share/.
constexpr const char* kInstalledModel = "share/mlxocr/models/mlxocr-fields-tiny";

bool has_config(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "config.json", ec);
}

std::optional<fs::path> installed_beside(const fs::path& binary) {
  if (binary.empty() || !binary.is_absolute()) return std::nullopt;
  const fs::path dir = binary.parent_path().parent_path() / kInstalledModel;
  if (has_config(dir)) return dir;
  return std::nullopt;
}

// The file this code was loaded from: libmlxocr.so in an application, the executable itself when
// the library is linked statically (then dladdr may give a relative name, hence /proc/self/exe).
fs::path this_library() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&bundled_model_dir), &info) == 0 || !info.dli_fname)
    return {};
  return fs::path(info.dli_fname);
}

fs::path this_executable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe;
}

const char* override_from_env() {
  const char* from_env = std::getenv("MLXOCR_DEFAULT_MODEL");
  return from_env != nullptr && *from_env != '\0' ? from_env : nullptr;
}

}  // namespace

fs::path bundled_model_dir() {
  if (const char* from_env = override_from_env()) return fs::path(from_env);
  if (auto dir = installed_beside(this_library())) return *dir;
  if (auto dir = installed_beside(this_executable())) return *dir;
  return fs::path(MLXOCR_BUNDLED_MODEL_DIR);
}

fs::path default_model_dir() {
  const fs::path dir = bundled_model_dir();
  if (has_config(dir)) return dir;
  throw UsageError("no model given and the default model is missing: " + dir.string() +
                   " has no config.json (" +
                   (override_from_env() ? "set by MLXOCR_DEFAULT_MODEL" : "the bundled copy") +
                   "); give a model folder or a hub id, or set MLXOCR_DEFAULT_MODEL");
}

}  // namespace mlxocr
