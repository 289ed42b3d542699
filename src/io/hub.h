// Models from the Hugging Face hub: the local cache transformers and huggingface_hub share, and
// downloads into it over HTTP (libcurl), so a model fetched by either is found by the other.
//
// Cache layout (the hub cache folder, see HubSettings::from_environment):
//   models--ORG--NAME/refs/REVISION            the commit a branch or tag pointed to
//   models--ORG--NAME/snapshots/COMMIT/FILE    relative symlink to ../../blobs/ETAG
//   models--ORG--NAME/blobs/ETAG               file contents (ETAG: the sha256 for LFS files)
//   models--ORG--NAME/blobs/ETAG.incomplete    a download in progress, resumed with Range
//   models--ORG--NAME/.no_exist/COMMIT/FILE    empty: FILE is known not to exist at COMMIT
//   .locks/models--ORG--NAME/ETAG.lock         one download of a blob at a time
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mlxocr {

struct HubSettings {
  std::string endpoint = "https://huggingface.co";  // no trailing slash
  std::filesystem::path cache;                      // the hub cache folder
  std::string token;                                // sent as "Authorization: Bearer"; "" none
  bool offline = false;                             // cache only, never the network
  long etag_timeout_seconds = 10;                   // metadata (HEAD) requests
  long download_timeout_seconds = 10;               // connect / longest stall of a download
  // A download slower than low_speed_bytes per second over low_speed_seconds is given up (and
  // retried, as a broken transfer is): a server trickling bytes cannot hold the process forever.
  long low_speed_bytes = 1024;
  long low_speed_seconds = 60;
  int download_attempts = 5;  // a broken transfer is resumed this many times in all
  bool progress_bar = false;  // redraw a progress line on stderr (a terminal)
  bool log = true;            // one line on stderr per file downloaded

  // From the environment as huggingface_hub reads it: HF_ENDPOINT; HF_HUB_CACHE (or the older
  // HUGGINGFACE_HUB_CACHE), else HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
  // ~/.cache/huggingface/hub; HF_TOKEN, else the file HF_TOKEN_PATH or HF_HOME/token;
  // HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) = 1/true/yes/on; HF_HUB_ETAG_TIMEOUT,
  // HF_HUB_DOWNLOAD_TIMEOUT (seconds); MLXOCR_HUB_LOW_SPEED (bytes/s, 0 off) and
  // MLXOCR_HUB_LOW_SPEED_TIME (seconds). The progress bar is drawn when stderr is a terminal.
  static HubSettings from_environment();
};

// "org/name" or "org/name@revision" (a branch, tag or 40-hex commit; default "main").
struct HubModelId {
  std::string repo;
  std::string revision = "main";
  std::string text() const { return revision == "main" ? repo : repo + "@" + revision; }
};

// Parses `spec` as a hub model id; nullopt when it is not one (a path such as "./x", "/a/b",
// "a/b/c", or characters the hub does not allow in names).
std::optional<HubModelId> parse_hub_model_id(const std::string& spec);

// models--ORG--NAME under `cache`.
std::filesystem::path hub_repo_folder(const std::filesystem::path& cache, const std::string& repo);

// The snapshot folder holding `id`'s model files: config.json; the weights (model.safetensors, or
// its index and shards, else pytorch_model.bin or its index and shards); and where the repository
// has them, the tokenizer files, preprocessor_config.json and generation_config.json. Files
// already in the cache (or known not to exist) are not requested again, so a second call makes
// no request at all. Offline, a snapshot with config.json and complete weights is used as it is.
// Throws HubError naming the repository and file (401/403 access, 404 not found, offline and not
// cached, checksum mismatch), HubNetworkError when the hub cannot be reached and the cache cannot
// stand in.
std::filesystem::path fetch_hub_model(const HubModelId& id, const HubSettings& settings);

// What the cache holds, for `mlxocr models`.
struct CachedSnapshot {
  std::string commit;
  std::vector<std::string> refs;  // branches / tags pointing at it
  std::filesystem::path folder;
  std::uintmax_t bytes = 0;  // of the blobs its files link to
  bool has_config = false;
  std::string weights;  // the weights file it holds ("" none)
};
struct CachedRepo {
  std::string repo;  // org/name
  std::filesystem::path folder;
  std::vector<CachedSnapshot> snapshots;
  std::uintmax_t incomplete_bytes = 0;  // partial downloads waiting to be resumed
};
std::vector<CachedRepo> list_hub_cache(const std::filesystem::path& cache);

// Blobs of `repo_folder` whose contents do not hash to their name: the sha256 of an LFS file, the
// git blob hash of a regular file.
std::vector<std::filesystem::path> corrupted_blobs(const std::filesystem::path& repo_folder);

}  // namespace mlxocr
