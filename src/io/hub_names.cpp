#include "io/hub_names.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "io/hub.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

bool all_hex(const std::string& text, size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

// A name the hub allows for an organisation or a repository.
bool valid_repo_part(const std::string& part) {
  if (part.empty() || part.size() > 96 || !std::isalnum(static_cast<unsigned char>(part[0])))
    return false;
  if (part.find("--") != std::string::npos || part.find("..") != std::string::npos) return false;
  if (part.back() == '.') return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

bool valid_revision(const std::string& revision) {
  if (revision.empty() || revision.size() > 256 || revision.front() == '/' ||
      revision.back() == '/' || revision.find("..") != std::string::npos ||
      revision.find("//") != std::string::npos) {
    return false;
  }
  return std::all_of(revision.begin(), revision.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

}  // namespace

namespace hub {

bool is_commit(const std::string& text) {
  return all_hex(text, 40);
}
bool is_sha256(const std::string& text) {
  return all_hex(text, 64);
}

bool valid_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string("/\\\0:", 4)) == std::string::npos;
}

std::string normalize_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
  return etag;
}

bool valid_etag(const std::string& etag) {
  return !etag.empty() && etag.size() <= 128 && std::all_of(etag.begin(), etag.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}
std::string origin(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const size_t path = url.find('/', scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path);
}

std::string human_bytes(std::uint64_t bytes) {
  char text[32];
  if (bytes >= (1ull << 30)) {
    std::snprintf(text, sizeof text, "%.2f GB", bytes / 1073741824.0);
  } else if (bytes >= (1ull << 20)) {
    std::snprintf(text, sizeof text, "%.1f MB", bytes / 1048576.0);
  } else {
    std::snprintf(text, sizeof text, "%.1f kB", bytes / 1024.0);
  }
  return text;
}

}  // namespace hub

std::optional<HubModelId> parse_hub_model_id(const std::string& spec) {
  HubModelId id;
  std::string repo = spec;
  if (const size_t at = spec.find('@'); at != std::string::npos) {
    repo = spec.substr(0, at);
    id.revision = spec.substr(at + 1);
    if (!valid_revision(id.revision)) return std::nullopt;
  }
  const size_t slash = repo.find('/');
  if (slash == std::string::npos) return std::nullopt;
  if (!valid_repo_part(repo.substr(0, slash)) || !valid_repo_part(repo.substr(slash + 1)))
    return std::nullopt;
  id.repo = repo;
  return id;
}

fs::path hub_repo_folder(const fs::path& cache, const std::string& repo) {
  // "org/name" -> "models--org--name" (hub names cannot contain "--").
  const size_t slash = repo.find('/');
  return cache / ("models--" + repo.substr(0, slash) + "--" + repo.substr(slash + 1));
}

}  // namespace mlxocr
