#include "io/hub.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "core/file_util.h"
#include "core/printable.h"
#include "io/git_blob_hash.h"
#include "io/http_client.h"
#include "io/sha256.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

// The files a TrOCR model needs beyond config.json and the weights; each may be absent.
const std::vector<std::string> kOptionalFiles = {"preprocessor_config.json",
                                                 "processor_config.json",
                                                 "generation_config.json",
                                                 "tokenizer_config.json",
                                                 "special_tokens_map.json",
                                                 "tokenizer.json",
                                                 "vocab.json",
                                                 "merges.txt",
                                                 "sentencepiece.bpe.model",
                                                 "added_tokens.json"};
// The forms of the weights, in order of preference (as io/checkpoint.h reads them).
const std::vector<std::string> kWeightFiles = {"model.safetensors", "model.safetensors.index.json",
                                               "pytorch_model.bin", "pytorch_model.bin.index.json"};
constexpr int kMaxRelativeRedirects = 5;
constexpr std::uintmax_t kMaxIndexBytes = 64ull << 20;

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

bool all_hex(const std::string& text, size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}
bool is_commit(const std::string& text) {
  return all_hex(text, 40);
}
bool is_sha256(const std::string& text) {
  return all_hex(text, 64);
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

// A file name inside a repository that we store in the cache: plain names only.
bool valid_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string("/\\\0:", 4)) == std::string::npos;
}

// "W/\"abc\"" -> "abc".
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

// "https://host:port" of a URL.
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

std::optional<std::string> read_ref(const fs::path& repo_folder, const std::string& revision) {
  const fs::path ref = repo_folder / "refs" / revision;
  std::error_code ec;
  if (!fs::is_regular_file(ref, ec)) return std::nullopt;
  std::string commit = read_file(ref, 1024);
  commit.erase(std::remove_if(commit.begin(), commit.end(),
                              [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
               commit.end());
  if (!is_commit(commit)) return std::nullopt;
  return commit;
}

bool path_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// Shard file names of a sharded checkpoint's index.
std::vector<std::string> index_shards(const fs::path& index, const std::string& where) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(read_file(index, kMaxIndexBytes));
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
    throw HubError(where + ": not valid JSON (" + e.what() + ")");
  }
  if (!json.is_object() || !json.contains("weight_map") || !json["weight_map"].is_object())
    throw HubError(where + ": expected a JSON object with a \"weight_map\" object");
  std::set<std::string> shards;
  for (const auto& [tensor, shard] : json["weight_map"].items()) {
    if (!shard.is_string() || !valid_file_name(shard.get<std::string>())) {
      throw HubError(where + ": tensor '" + tensor +
                     "' maps to a shard that is not a plain file name: " + shard.dump());
    }
    shards.insert(shard.get<std::string>());
  }
  return {shards.begin(), shards.end()};
}

// Exclusive lock on a file for the lifetime of the object (flock: released if the process dies).
class FileLock {
 public:
  explicit FileLock(const fs::path& path) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw HubError(path.string() + ": cannot create the download lock");
    if (::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      throw HubError(path.string() + ": cannot take the download lock");
    }
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Draws "name  12.3 MB / 45.6 MB  [=====     ]  27%" on a terminal, at most ten times a second.
class ProgressBar {
 public:
  ProgressBar(std::string name, bool enabled) : name_(std::move(name)), enabled_(enabled) {}
  ~ProgressBar() {
    if (drawn_) std::cerr << "\n";
  }
  void update(std::uint64_t done, std::uint64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ &&
        (done == last_done_ || (now - last_ < std::chrono::milliseconds(100) && done != total))) {
      return;
    }
    last_ = now;
    last_done_ = done;
    drawn_ = true;
    constexpr int kWidth = 30;
    const double fraction = total ? std::min(1.0, static_cast<double>(done) / total) : 0.0;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(filled, '=');
    if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
    std::cerr << "\r" << name_ << "  " << human_bytes(done) << " / "
              << (total ? human_bytes(total) : std::string("?")) << "  [" << bar << "] "
              << static_cast<int>(fraction * 100) << "%   " << std::flush;
  }

 private:
  std::string name_;
  bool enabled_;
  bool drawn_ = false;
  std::uint64_t last_done_ = 0;
  std::chrono::steady_clock::time_point last_;
};

struct BlobCheck {
  std::string kind, actual;
};

// A blob named by its ETag that does not hash to it: the sha256 for LFS files (64 hex digits),
// the git blob hash for regular files (40), as huggingface_hub's sha256 / git_hash compute them.
// nullopt when it matches, or when the ETag is of neither kind (nothing to check against).
std::optional<BlobCheck> check_blob(const fs::path& file, const std::string& etag) {
  if (is_sha256(etag)) {
    std::string actual = sha256_file(file);
    if (actual != etag) return BlobCheck{"sha256", std::move(actual)};
  } else if (is_commit(etag)) {
    std::string actual = git_blob_hash_file(file);
    if (actual != etag) return BlobCheck{"git blob hash", std::move(actual)};
  }
  return std::nullopt;
}

enum class FileState { present, absent, unknown };

// Where the plan of model files looks files up: the cache alone, or the hub through the cache.
class FileSource {
 public:
  virtual ~FileSource() = default;
  virtual FileState get(const std::string& name, bool required) = 0;
  virtual fs::path snapshot() const = 0;
};

struct Walk {
  bool essential = false;  // config.json and complete weights
  bool complete = false;   // and every optional file known present or absent
};

// The model files, in the order transformers' from_pretrained looks for them.
Walk walk_model_files(FileSource& source, const std::string& repo) {
  Walk walk;
  if (source.get("config.json", true) != FileState::present) return walk;
  bool weights = false;
  for (const std::string& candidate : kWeightFiles) {
    const FileState state = source.get(candidate, false);
    if (state == FileState::unknown) return walk;
    if (state == FileState::absent) continue;
    if (candidate.ends_with(".index.json")) {
      for (const std::string& shard :
           index_shards(source.snapshot() / candidate, repo + "/" + candidate)) {
        if (source.get(shard, true) != FileState::present) return walk;
      }
    }
    weights = true;
    break;
  }
  if (!weights) {
    throw HubError(repo +
                   ": the repository has no model weights in a form mlxocr reads (looked for "
                   "model.safetensors, model.safetensors.index.json, pytorch_model.bin, "
                   "pytorch_model.bin.index.json)");
  }
  walk.essential = true;
  bool unknown = false;
  for (const std::string& name : kOptionalFiles)
    unknown = source.get(name, false) == FileState::unknown || unknown;
  walk.complete = !unknown;
  return walk;
}

// The cache alone: present files, files recorded in .no_exist, and the rest unknown.
class CachedFiles : public FileSource {
 public:
  CachedFiles(const fs::path& repo_folder, const std::string& commit)
      : snapshot_(repo_folder / "snapshots" / commit),
        no_exist_(repo_folder / ".no_exist" / commit) {}
  FileState get(const std::string& name, bool) override {
    if (path_exists(snapshot_ / name)) return FileState::present;
    if (path_exists(no_exist_ / name)) return FileState::absent;
    return FileState::unknown;
  }
  fs::path snapshot() const override { return snapshot_; }

 private:
  fs::path snapshot_, no_exist_;
};

struct FileMetadata {
  std::string commit, etag, location;
  std::uint64_t size = 0;
};

// The hub through the cache: files in the snapshot or known absent are not requested again.
class HubFiles : public FileSource {
 public:
  HubFiles(const HubModelId& id, const HubSettings& settings, fs::path repo_folder,
           std::optional<std::string> commit)
      : id_(id), settings_(settings), repo_folder_(std::move(repo_folder)), commit_(commit) {}

  fs::path snapshot() const override { return repo_folder_ / "snapshots" / commit_.value_or(""); }

  FileState get(const std::string& name, bool required) override {
    if (commit_) {
      if (path_exists(snapshot() / name)) return FileState::present;
      if (path_exists(repo_folder_ / ".no_exist" / *commit_ / name)) {
        if (required) throw not_found(name);
        return FileState::absent;
      }
    }
    const std::optional<FileMetadata> metadata = fetch_metadata(name);
    if (!metadata) {
      if (required) throw not_found(name);
      return FileState::absent;
    }
    if (!path_exists(snapshot() / name)) download(name, *metadata);
    return FileState::present;
  }

 private:
  std::string where(const std::string& name) const {
    return id_.repo + "/" + name + " (revision " + id_.revision + ")";
  }

  HubError not_found(const std::string& name) const {
    return HubError(where(name) + ": not found on the hub (404 Not Found)");
  }

  std::vector<std::string> auth_headers() const {
    if (settings_.token.empty()) return {};
    return {"Authorization: Bearer " + settings_.token};
  }

  std::string url(const std::string& name) const {
    return settings_.endpoint + "/" + id_.repo + "/resolve/" +
           url_encode(commit_.value_or(id_.revision)) + "/" + url_encode(name);
  }

  // A clear error for a status the hub answered instead of the file.
  [[noreturn]] void fail(const std::string& name, const HttpResponse& r) const {
    // The server's words, with anything a terminal would act on (escape sequences) made visible.
    std::string detail = printable(r.header("x-error-message"));
    if (detail.empty() && !r.body.empty()) detail = printable(r.body);
    const std::string suffix = detail.empty() ? "" : " (" + detail + ")";
    const std::string token = settings_.token.empty()
                                  ? "no token was sent: set HF_TOKEN"
                                  : "the token in HF_TOKEN was refused: check it";
    switch (r.status) {
      case 401:
        throw HubError(where(name) + ": 401 Unauthorized" + suffix +
                       ": the repository does not exist, or it is private or gated and " + token);
      case 403:
        throw HubError(where(name) + ": 403 Forbidden" + suffix +
                       ": access to this repository is restricted; request it at " +
                       settings_.endpoint + "/" + id_.repo +
                       " and use a token that has it (HF_TOKEN)");
      case 404:
        throw HubError(where(name) + ": 404 Not Found" + suffix);
      default:
        throw HubError(where(name) + ": the hub at " + settings_.endpoint + " answered HTTP " +
                       std::to_string(r.status) + suffix);
    }
  }

  void remember_commit(const std::string& commit) {
    if (commit_) return;
    commit_ = commit;
    if (id_.revision == commit) return;
    // refs/REVISION records the commit the branch or tag resolved to, as huggingface_hub does.
    write_file_atomic(repo_folder_ / "refs" / id_.revision, commit);
  }

  std::optional<FileMetadata> fetch_metadata(const std::string& name) {
    HttpRequest request;
    request.url = url(name);
    request.headers = auth_headers();
    request.timeout_seconds = settings_.etag_timeout_seconds;
    HttpResponse r;
    for (int hop = 0;; ++hop) {
      r = http_head(request);
      const bool redirect = r.status >= 300 && r.status < 400;
      const std::string location = r.header("location");
      // A relative redirect is the hub's own (a renamed repository): follow it; an absolute one
      // points at the file's storage (CDN) and is where the download goes.
      if (!redirect || location.empty() || location[0] != '/') break;
      if (hop == kMaxRelativeRedirects) {
        throw HubError(where(name) + ": too many redirects (last to " + printable(location) + ")");
      }
      request.url = origin(settings_.endpoint) + location;
    }
    if (r.status == 404) {
      const std::string code = r.header("x-error-code");
      if (code == "RepoNotFound") fail(name, r);
      if (code == "RevisionNotFound") {
        throw HubError(id_.repo + ": revision '" + id_.revision + "' not found on the hub");
      }
      // The file does not exist at this commit: remember it, so it is not asked for again.
      const std::string commit = r.header("x-repo-commit");
      if (is_commit(commit) && valid_file_name(name)) {
        remember_commit(commit);
        write_file_atomic(repo_folder_ / ".no_exist" / *commit_ / name, "");
      }
      return std::nullopt;
    }
    if (r.status >= 400 || r.status < 200) fail(name, r);

    FileMetadata m;
    m.commit = r.header("x-repo-commit");
    m.etag = normalize_etag(r.header("x-linked-etag").empty() ? r.header("etag")
                                                              : r.header("x-linked-etag"));
    const std::string size =
        r.header("x-linked-size").empty() ? r.header("content-length") : r.header("x-linked-size");
    m.location = r.status >= 300 ? r.header("location") : request.url;
    if (!is_commit(m.commit)) {
      throw HubError(where(name) + ": the server at " + settings_.endpoint +
                     " sent no valid X-Repo-Commit header; is HF_ENDPOINT a Hugging Face hub?");
    }
    if (!valid_etag(m.etag)) {
      throw HubError(where(name) + ": the server sent no usable ETag ('" + printable(m.etag) +
                     "'), so the download could not be checked");
    }
    try {
      m.size = std::stoull(size);
    } catch (...) {
      throw HubError(where(name) + ": the server sent no file size (Content-Length)");
    }
    if (m.location.empty()) throw HubError(where(name) + ": redirect without a Location");
    remember_commit(m.commit);
    return m;
  }

  void download(const std::string& name, const FileMetadata& m) {
    if (!valid_file_name(name)) throw HubError(where(name) + ": not a plain file name");
    const fs::path blob = repo_folder_ / "blobs" / m.etag;
    const fs::path pointer = snapshot() / name;
    std::error_code ec;
    fs::create_directories(blob.parent_path(), ec);
    fs::create_directories(pointer.parent_path(), ec);
    if (ec) throw HubError(pointer.parent_path().string() + ": cannot create: " + ec.message());
    if (!path_exists(blob)) {
      FileLock lock(repo_folder_.parent_path() / ".locks" / repo_folder_.filename() /
                    (m.etag + ".lock"));
      if (!path_exists(blob)) fetch_blob(name, m, blob);
    }
    fs::remove(pointer, ec);  // a dangling link to a blob that was deleted
    fs::create_symlink(fs::relative(blob, pointer.parent_path()), pointer, ec);
    if (ec) fs::copy_file(blob, pointer, ec);  // a file system without symlinks
    if (ec) throw HubError(pointer.string() + ": cannot link the downloaded file: " + ec.message());
  }

  void fetch_blob(const std::string& name, const FileMetadata& m, const fs::path& blob) {
    const fs::path incomplete = blob.string() + ".incomplete";
    // Signed storage URLs on another host get no token, as huggingface_hub does.
    const bool same_host = origin(m.location) == origin(settings_.endpoint);
    HttpRequest request;
    request.url = m.location;
    if (same_host) request.headers = auth_headers();
    request.timeout_seconds = settings_.download_timeout_seconds;
    request.low_speed_bytes = settings_.low_speed_bytes;
    request.low_speed_seconds = settings_.low_speed_seconds;
    request.expected_size = m.size;
    ProgressBar bar(id_.repo + "/" + name, settings_.progress_bar);
    std::error_code ec;
    std::uint64_t have = path_exists(incomplete) ? fs::file_size(incomplete, ec) : 0;
    if (have > m.size) {
      fs::remove(incomplete, ec);
      have = 0;
    }
    // huggingface_hub warns when the disk lacks room; a download that cannot fit is refused here,
    // before it fills the disk (the size comes from the metadata, which a server can inflate).
    const fs::space_info space = fs::space(blob.parent_path(), ec);
    if (!ec && space.available < m.size - have) {
      throw HubError(where(name) + ": needs " + human_bytes(m.size - have) + " but only " +
                     human_bytes(space.available) + " are free in " + blob.parent_path().string());
    }
    if (settings_.log && !settings_.progress_bar) {
      std::cerr << "mlxocr: downloading " << id_.repo << "/" << name << " (" << human_bytes(m.size)
                << (have ? ", resuming at " + human_bytes(have) : std::string()) << ")\n";
    }
    std::string last_error;
    for (int attempt = 1; have < m.size || !path_exists(incomplete); ++attempt) {
      if (attempt > settings_.download_attempts) {
        throw HubNetworkError(where(name) + ": the transfer stopped at byte " +
                              std::to_string(have) + " of " + std::to_string(m.size) + " " +
                              std::to_string(settings_.download_attempts) + " times" +
                              (last_error.empty() ? "" : ", the last time with: " + last_error) +
                              " (what arrived is kept and resumed next time)");
      }
      try {
        const HttpResponse r = http_get_to_file(request, incomplete, have,
                                                [&](std::uint64_t done, std::uint64_t total) {
                                                  bar.update(done, total ? total : m.size);
                                                });
        if (r.status == 416) {
          fs::remove(incomplete, ec);  // the partial file does not fit the file on the hub
        } else if (r.status != 200 && r.status != 206) {
          fail(name, r);
        }
      } catch (const HubNetworkError& e) {
        last_error = e.what();
      }
      have = path_exists(incomplete) ? fs::file_size(incomplete, ec) : 0;
      if (have > m.size) {
        fs::remove(incomplete, ec);
        throw HubError(where(name) + ": the server sent " + std::to_string(have) +
                       " bytes, more than the " + std::to_string(m.size) + " it announced");
      }
    }
    if (const std::optional<BlobCheck> check = check_blob(incomplete, m.etag)) {
      fs::remove(incomplete, ec);
      throw HubError(where(name) + ": the downloaded file is corrupted: its " + check->kind +
                     " is " + check->actual + ", the hub says " + m.etag +
                     "; it was removed, run again to download it afresh");
    }
    fs::rename(incomplete, blob, ec);
    if (ec)
      throw HubError(blob.string() + ": cannot move the download into place: " + ec.message());
  }

  HubModelId id_;
  const HubSettings& settings_;
  fs::path repo_folder_;
  std::optional<std::string> commit_;
};

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

fs::path fetch_hub_model(const HubModelId& id, const HubSettings& settings) {
  const fs::path repo_folder = hub_repo_folder(settings.cache, id.repo);
  const std::optional<std::string> commit =
      is_commit(id.revision) ? std::optional(id.revision) : read_ref(repo_folder, id.revision);
  Walk cached;
  if (commit && fs::is_directory(repo_folder / "snapshots" / *commit)) {
    CachedFiles files(repo_folder, *commit);
    cached = walk_model_files(files, id.text());
    if (cached.complete || (settings.offline && cached.essential)) return files.snapshot();
  }
  if (settings.offline) {
    throw HubError(id.text() + " is not in the hub cache " + settings.cache.string() +
                   (commit ? " (its cached snapshot lacks config.json or weights)" : "") +
                   " and HF_HUB_OFFLINE is set, which forbids downloading it");
  }
  HubFiles hub(id, settings, repo_folder, commit);
  try {
    walk_model_files(hub, id.text());
  } catch (const HubNetworkError& e) {
    if (cached.essential) {
      std::cerr << "mlxocr: warning: the hub is unreachable (" << e.what()
                << "); using the cached copy of " << id.text() << "\n";
      return repo_folder / "snapshots" / *commit;
    }
    throw HubNetworkError(id.text() + ": cannot download from " + settings.endpoint + ": " +
                          e.what() + " (set HF_HUB_OFFLINE=1 to use the cache only)");
  }
  return hub.snapshot();
}

std::vector<CachedRepo> list_hub_cache(const fs::path& cache) {
  std::vector<CachedRepo> repos;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cache, ec)) {
    const std::string folder = entry.path().filename().string();
    if (folder.rfind("models--", 0) != 0 || !entry.is_directory(ec)) continue;
    CachedRepo repo;
    repo.folder = entry.path();
    repo.repo = folder.substr(8);
    if (const size_t sep = repo.repo.find("--"); sep != std::string::npos)
      repo.repo.replace(sep, 2, "/");
    std::map<std::string, std::vector<std::string>> refs;  // commit -> names
    const fs::path refs_folder = entry.path() / "refs";
    for (fs::recursive_directory_iterator it(refs_folder, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      const std::string name = fs::relative(it->path(), refs_folder, ec).string();
      if (const auto commit = read_ref(entry.path(), name)) refs[*commit].push_back(name);
    }
    for (const auto& snapshot : fs::directory_iterator(entry.path() / "snapshots", ec)) {
      CachedSnapshot s;
      s.commit = snapshot.path().filename().string();
      s.folder = snapshot.path();
      s.refs = refs[s.commit];
      std::set<fs::path> blobs;
      for (const auto& file : fs::directory_iterator(snapshot.path(), ec)) {
        std::error_code file_ec;
        if (!file.is_regular_file(file_ec)) continue;  // follows the symlink; dangling ones skip
        const fs::path target = fs::canonical(file.path(), file_ec);
        if (!file_ec && blobs.insert(target).second) s.bytes += fs::file_size(target, file_ec);
      }
      s.has_config = path_exists(snapshot.path() / "config.json");
      for (const std::string& candidate : kWeightFiles) {
        if (path_exists(snapshot.path() / candidate)) {
          s.weights = candidate;
          break;
        }
      }
      repo.snapshots.push_back(s);
    }
    for (const auto& blob : fs::directory_iterator(entry.path() / "blobs", ec)) {
      std::error_code blob_ec;
      if (blob.path().extension() == ".incomplete")
        repo.incomplete_bytes += blob.file_size(blob_ec);
    }
    repos.push_back(std::move(repo));
  }
  std::sort(repos.begin(), repos.end(),
            [](const CachedRepo& a, const CachedRepo& b) { return a.repo < b.repo; });
  return repos;
}

std::vector<fs::path> corrupted_blobs(const fs::path& repo_folder) {
  std::vector<fs::path> bad;
  std::error_code ec;
  for (const auto& blob : fs::directory_iterator(repo_folder / "blobs", ec)) {
    const std::string name = blob.path().filename().string();
    if (blob.is_regular_file(ec) && check_blob(blob.path(), name)) bad.push_back(blob.path());
  }
  std::sort(bad.begin(), bad.end());
  return bad;
}

}  // namespace mlxocr
