// The hub cache as transformers and huggingface_hub lay it out (see io/hub.h): what a snapshot
// holds, checked against the hashes the blobs are named by, and the walk over a model's files
// that both the cache alone and the download go through (internal to io/hub*).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlxocr::hub {

// The forms of the weights, in order of preference (as io/checkpoint.h reads them).
extern const std::vector<std::string> kWeightFiles;
// The files a TrOCR model needs beyond config.json and the weights; each may be absent.
extern const std::vector<std::string> kOptionalFiles;

bool path_exists(const std::filesystem::path& path);

// The commit refs/REVISION records, nullopt when there is none (or not a commit).
std::optional<std::string> read_ref(const std::filesystem::path& repo_folder,
                                    const std::string& revision);

struct BlobCheck {
  std::string kind, actual;
};
// A blob named by its ETag that does not hash to it: the sha256 for LFS files (64 hex digits),
// the git blob hash for regular files (40), as huggingface_hub's sha256 / git_hash compute them.
// nullopt when it matches, or when the ETag is of neither kind (nothing to check against).
std::optional<BlobCheck> check_blob(const std::filesystem::path& file, const std::string& etag);

enum class FileState { present, absent, unknown };

// Where the plan of model files looks files up: the cache alone, or the hub through the cache.
class FileSource {
 public:
  virtual ~FileSource() = default;
  // Throws HubError when a `required` file is known not to exist.
  virtual FileState get(const std::string& name, bool required) = 0;
  virtual std::filesystem::path snapshot() const = 0;
};

struct Walk {
  bool essential = false;  // config.json and complete weights
  bool complete = false;   // and every optional file known present or absent
};

// The model files, in the order transformers' from_pretrained looks for them.
Walk walk_model_files(FileSource& source, const std::string& repo);

// The cache alone: present files, files recorded in .no_exist, and the rest unknown.
std::unique_ptr<FileSource> cached_files(const std::filesystem::path& repo_folder,
                                         const std::string& commit);

}  // namespace mlxocr::hub
