// HubSettings from the environment, as huggingface_hub reads it.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/file_util.h"
#include "io/hub.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

bool env_true(const char* name) {
  std::string value = env(name);
  for (char& c : value)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value == "1" || value == "true" || value == "yes" || value == "on";
}

long env_seconds(const char* name, long fallback) {
  const std::string value = env(name);
  if (value.empty()) return fallback;
  char* end = nullptr;
  const long seconds = std::strtol(value.c_str(), &end, 10);
  if (*end != '\0' || seconds <= 0) {
    throw UsageError(std::string(name) + "=" + value + ": expected a positive number of seconds");
  }
  return seconds;
}

// A byte count (0 allowed: off).
long env_count(const char* name, long fallback) {
  const std::string value = env(name);
  if (value.empty()) return fallback;
  char* end = nullptr;
  const long count = std::strtol(value.c_str(), &end, 10);
  if (*end != '\0' || count < 0) {
    throw UsageError(std::string(name) + "=" + value + ": expected a number of bytes (0: off)");
  }
  return count;
}

fs::path expand_user(const std::string& path) {
  if (path == "~" || path.rfind("~/", 0) == 0) return fs::path(env("HOME")) / path.substr(2);
  return path;
}

}  // namespace

HubSettings HubSettings::from_environment() {
  HubSettings s;
  if (const std::string endpoint = env("HF_ENDPOINT"); !endpoint.empty()) s.endpoint = endpoint;
  while (!s.endpoint.empty() && s.endpoint.back() == '/')
    s.endpoint.pop_back();
  const std::string xdg = env("XDG_CACHE_HOME");
  const fs::path hf_home = !env("HF_HOME").empty() ? expand_user(env("HF_HOME"))
                           : !xdg.empty()          ? fs::path(xdg) / "huggingface"
                                                   : expand_user("~/.cache/huggingface");
  if (!env("HF_HUB_CACHE").empty()) {
    s.cache = expand_user(env("HF_HUB_CACHE"));
  } else if (!env("HUGGINGFACE_HUB_CACHE").empty()) {
    s.cache = expand_user(env("HUGGINGFACE_HUB_CACHE"));
  } else {
    s.cache = hf_home / "hub";
  }
  s.token = env("HF_TOKEN");
  if (s.token.empty()) s.token = env("HUGGING_FACE_HUB_TOKEN");
  if (s.token.empty()) {
    const fs::path token_file =
        !env("HF_TOKEN_PATH").empty() ? expand_user(env("HF_TOKEN_PATH")) : hf_home / "token";
    std::error_code ec;
    if (fs::is_regular_file(token_file, ec)) {
      s.token = read_file(token_file, 4096);
      s.token.erase(
          std::remove_if(s.token.begin(), s.token.end(),
                         [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
          s.token.end());
    }
  }
  s.offline = env_true("HF_HUB_OFFLINE") || env_true("TRANSFORMERS_OFFLINE");
  s.etag_timeout_seconds = env_seconds("HF_HUB_ETAG_TIMEOUT", s.etag_timeout_seconds);
  s.download_timeout_seconds = env_seconds("HF_HUB_DOWNLOAD_TIMEOUT", s.download_timeout_seconds);
  s.low_speed_bytes = env_count("MLXOCR_HUB_LOW_SPEED", s.low_speed_bytes);
  s.low_speed_seconds = env_seconds("MLXOCR_HUB_LOW_SPEED_TIME", s.low_speed_seconds);
  s.progress_bar = ::isatty(STDERR_FILENO) == 1;
  return s;
}

}  // namespace mlxocr
