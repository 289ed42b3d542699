#include "io/hub_cache.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "core/file_util.h"
#include "io/git_blob_hash.h"
#include "io/hub.h"
#include "io/hub_names.h"
#include "io/sha256.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace hub {

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
const std::vector<std::string> kWeightFiles = {"model.safetensors", "model.safetensors.index.json",
                                               "pytorch_model.bin", "pytorch_model.bin.index.json"};

namespace {

constexpr std::uintmax_t kMaxIndexBytes = 64ull << 20;

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

// The cache alone: present files, files recorded in .no_exist, and the rest unknown.
class CachedFiles final : public FileSource {
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

}  // namespace

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

std::unique_ptr<FileSource> cached_files(const fs::path& repo_folder, const std::string& commit) {
  return std::make_unique<CachedFiles>(repo_folder, commit);
}

}  // namespace hub

using namespace hub;

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
