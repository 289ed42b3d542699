#include "io/hub_download.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <system_error>

#include "core/file_util.h"
#include "core/printable.h"
#include "io/http_client.h"
#include "io/hub_names.h"
#include "mlxocr/error.h"

namespace mlxocr::hub {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxRelativeRedirects = 5;

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

struct FileMetadata {
  std::string commit, etag, location;
  std::uint64_t size = 0;
};

// The hub through the cache: files in the snapshot or known absent are not requested again.
class HubFiles final : public FileSource {
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

std::unique_ptr<FileSource> hub_files(const HubModelId& id, const HubSettings& settings,
                                      fs::path repo_folder, std::optional<std::string> commit) {
  return std::make_unique<HubFiles>(id, settings, std::move(repo_folder), std::move(commit));
}

}  // namespace mlxocr::hub
