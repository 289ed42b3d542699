// Helpers of the hub tests: the fixture repository the local hub serves, settings pointing at
// it, and environment variables set for one test.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "core/file_util.h"
#include "hub/local_hub_server.h"
#include "io/hub.h"
#include "io/sha256.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr::testing {

namespace fs = std::filesystem;

constexpr const char* kRepo = "mlxocr-test/tiny-trocr";
constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";

inline std::string contents(const fs::path& file) {
  return read_file(file, 1ull << 30);
}

inline std::string sha256_of(const std::string& data) {
  Sha256 hash;
  hash.update(data);
  return hash.hex_digest();
}

// The vit-trocr fixture as a hub repository: weights as an LFS file, the rest as regular files.
inline HubRepoFiles fixture_repo(const std::string& variant = "vit-trocr") {
  HubRepoFiles repo;
  repo.commit = kCommit;
  for (const auto& entry : fs::directory_iterator(testing::model_fixture(variant))) {
    const std::string name = entry.path().filename().string();
    if (name == "pytorch_model.bin") continue;
    repo.files[name] = contents(entry.path());
    if (name.ends_with(".safetensors") || name.ends_with(".bin") || name.ends_with(".model"))
      repo.lfs.push_back(name);
  }
  return repo;
}

inline HubSettings settings_for(const LocalHubServer& server, const TempDir& cache) {
  HubSettings s;
  s.endpoint = server.endpoint();
  s.cache = cache.path();
  s.etag_timeout_seconds = 5;
  s.download_timeout_seconds = 5;
  s.progress_bar = false;
  s.log = false;
  return s;
}

// Sets environment variables for one scope, restoring what was there before.
class ScopedEnv {
 public:
  void set(const char* name, const std::string& value) {
    remember(name);
    ::setenv(name, value.c_str(), 1);
  }
  void unset(const char* name) {
    remember(name);
    ::unsetenv(name);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

 private:
  void remember(const char* name) {
    if (saved_.count(name)) return;
    const char* value = std::getenv(name);
    saved_[name] = value ? std::optional<std::string>(value) : std::nullopt;
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

}  // namespace mlxocr::testing
