// The hub cache and download against a local stand-in of the hub (tests/hub/local_hub_server.h):
// cache layout, a second run without requests, resumed transfers, 401/403/404 and network errors,
// offline mode, corrupted downloads.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/file_util.h"
#include "core/printable.h"
#include "hub/hub_test_util.h"
#include "io/git_blob_hash.h"
#include "io/hub.h"
#include "io/safetensors.h"
#include "io/sha256.h"
#include "mlxocr/error.h"
#include "model/model.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::contents;
using testing::fixture_repo;
using testing::HubRepoFiles;
using testing::kCommit;
using testing::kRepo;
using testing::LocalHubServer;
using testing::ScopedEnv;
using testing::settings_for;
using testing::sha256_of;
using testing::TempDir;

using testing::error_of;

size_t count_requests(const LocalHubServer& server, const std::string& method,
                      const std::string& path_part) {
  size_t n = 0;
  for (const auto& r : server.requests())
    n += r.method == method && r.path.find(path_part) != std::string::npos;
  return n;
}

class HubTest : public ::testing::Test {
 protected:
  HubTest() : cache_("hub-cache") {
    server_.add_repo(kRepo, fixture_repo());
    settings_ = settings_for(server_, cache_);
  }
  fs::path repo_folder() const { return hub_repo_folder(cache_.path(), kRepo); }
  std::string weights_sha() const {
    return sha256_of(fixture_repo().files.at("model.safetensors"));
  }

  LocalHubServer server_;
  TempDir cache_;
  HubSettings settings_;
};

TEST_F(HubTest, DownloadsIntoTheCacheLayoutTransformersUses) {
  const fs::path snapshot = fetch_hub_model({kRepo, "main"}, settings_);
  const fs::path repo = cache_ / "models--mlxocr-test--tiny-trocr";
  EXPECT_EQ(snapshot, repo / "snapshots" / kCommit);
  EXPECT_EQ(contents(repo / "refs" / "main"), kCommit);

  // Snapshot files are relative symlinks into blobs/, named by etag (sha256 for LFS files).
  const fs::path weights = snapshot / "model.safetensors";
  ASSERT_TRUE(fs::is_symlink(weights));
  EXPECT_EQ(fs::read_symlink(weights), fs::path("../../blobs") / weights_sha());
  EXPECT_EQ(contents(weights), fixture_repo().files.at("model.safetensors"));
  ASSERT_TRUE(fs::is_symlink(snapshot / "config.json"));
  EXPECT_EQ(fs::read_symlink(snapshot / "config.json").parent_path(), fs::path("../../blobs"));
  for (const char* name :
       {"vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "preprocessor_config.json", "generation_config.json"}) {
    EXPECT_TRUE(fs::exists(snapshot / name)) << name;
  }
  // Files the repository does not have are remembered, as huggingface_hub does.
  EXPECT_TRUE(fs::exists(repo / ".no_exist" / kCommit / "sentencepiece.bpe.model"));
  EXPECT_TRUE(fs::exists(repo / ".no_exist" / kCommit / "added_tokens.json"));
  EXPECT_FALSE(fs::exists(snapshot / "pytorch_model.bin"));  // safetensors is enough
  EXPECT_TRUE(fs::is_empty(repo / "blobs") == false);
  for (const auto& blob : fs::directory_iterator(repo / "blobs"))
    EXPECT_NE(blob.path().extension(), ".incomplete");

  // The LFS file came through the redirect to the storage URL.
  EXPECT_EQ(count_requests(server_, "GET", "/cdn/" + weights_sha()), 1u);
  // And the model loads from the snapshot, identical to the fixture.
  const TrOCRModel from_hub = load_model(snapshot);
  const TrOCRModel local = load_model(testing::model_fixture("vit-trocr"));
  const mx::array pixels = mx::ones({1, 3, 32, 32});
  const mx::array ids = mx::array({2, 8, 9}, {1, 3}, mx::int32);
  EXPECT_EQ(testing::max_abs_diff(from_hub.logits(pixels, ids), local.logits(pixels, ids)), 0.0f);
}

TEST_F(HubTest, SecondRunUsesTheCacheWithoutAnyRequest) {
  const fs::path first = fetch_hub_model({kRepo, "main"}, settings_);
  server_.clear_requests();
  EXPECT_EQ(fetch_hub_model({kRepo, "main"}, settings_), first);
  EXPECT_EQ(fetch_hub_model({kRepo, kCommit}, settings_), first);
  EXPECT_EQ(server_.request_count(), 0u);
  server_.stop();  // no network at all
  EXPECT_EQ(fetch_hub_model({kRepo, "main"}, settings_), first);
}

TEST_F(HubTest, ResumesATruncatedTransferWithARangeRequest) {
  server_.truncate_next_transfers(2, 10000);
  const fs::path snapshot = fetch_hub_model({kRepo, "main"}, settings_);
  EXPECT_EQ(contents(snapshot / "model.safetensors"), fixture_repo().files.at("model.safetensors"));
  std::vector<std::string> ranges;
  for (const auto& r : server_.requests())
    if (r.path == "/cdn/" + weights_sha()) ranges.push_back(r.range);
  EXPECT_EQ(ranges, (std::vector<std::string>{"", "bytes=10000-", "bytes=20000-"}));
}

TEST_F(HubTest, ResumesAPartialDownloadOfAnEarlierRun) {
  // An earlier run stopped after 5000 bytes and left blobs/SHA.incomplete.
  const std::string weights = fixture_repo().files.at("model.safetensors");
  fs::create_directories(repo_folder() / "blobs");
  std::ofstream(repo_folder() / "blobs" / (weights_sha() + ".incomplete"), std::ios::binary)
      << weights.substr(0, 5000);
  const fs::path snapshot = fetch_hub_model({kRepo, "main"}, settings_);
  EXPECT_EQ(contents(snapshot / "model.safetensors"), weights);
  std::vector<std::string> ranges;
  for (const auto& r : server_.requests())
    if (r.path == "/cdn/" + weights_sha()) ranges.push_back(r.range);
  EXPECT_EQ(ranges, (std::vector<std::string>{"bytes=5000-"}));
}

TEST_F(HubTest, TransferThatKeepsBreakingFailsThenResumesNextRun) {
  settings_.download_attempts = 3;
  server_.truncate_next_transfers(3, 1000);
  const std::string message = error_of<HubNetworkError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("mlxocr-test/tiny-trocr/model.safetensors"), std::string::npos) << message;
  EXPECT_NE(message.find("stopped at byte 3000"), std::string::npos) << message;
  EXPECT_EQ(fs::file_size(repo_folder() / "blobs" / (weights_sha() + ".incomplete")), 3000u);
  server_.clear_requests();
  const fs::path snapshot = fetch_hub_model({kRepo, "main"}, settings_);
  EXPECT_EQ(contents(snapshot / "model.safetensors"), fixture_repo().files.at("model.safetensors"));
  // Only what was missing was asked for again.
  EXPECT_EQ(count_requests(server_, "HEAD", "/config.json"), 0u);
  EXPECT_EQ(count_requests(server_, "GET", "/cdn/"), 1u);
}

TEST_F(HubTest, CorruptedDownloadIsDetectedAndRemoved) {
  server_.corrupt(weights_sha());
  const std::string message = error_of<HubError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("model.safetensors"), std::string::npos) << message;
  EXPECT_NE(message.find("corrupted"), std::string::npos) << message;
  EXPECT_NE(message.find(weights_sha()), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(repo_folder() / "blobs" / weights_sha()));
  EXPECT_FALSE(fs::exists(repo_folder() / "blobs" / (weights_sha() + ".incomplete")));

  server_.corrupt(weights_sha(), false);
  const fs::path snapshot = fetch_hub_model({kRepo, "main"}, settings_);
  EXPECT_TRUE(corrupted_blobs(repo_folder()).empty());
  // A blob damaged later in the cache is found by `mlxocr models --verify`.
  const fs::path blob = repo_folder() / "blobs" / weights_sha();
  {
    std::fstream file(blob, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    file.put('\x7f');
  }
  EXPECT_EQ(corrupted_blobs(repo_folder()), std::vector<fs::path>{blob});
}

TEST_F(HubTest, NotFoundMessagesNameTheRepositoryAndFile) {
  std::string message = error_of<HubError>([&] {
    fetch_hub_model({kRepo, "no-such-branch"}, settings_);
  });
  EXPECT_NE(message.find("revision 'no-such-branch' not found"), std::string::npos) << message;

  // The hub answers 401 for a repository that does not exist (or that the user cannot see).
  message = error_of<HubError>([&] {
    fetch_hub_model({"mlxocr-test/nothing", "main"}, settings_);
  });
  EXPECT_NE(message.find("mlxocr-test/nothing/config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("401 Unauthorized"), std::string::npos) << message;
  EXPECT_NE(message.find("does not exist, or it is private or gated"), std::string::npos)
      << message;

  HubRepoFiles without_config = fixture_repo();
  without_config.files.erase("config.json");
  server_.add_repo("mlxocr-test/no-config", without_config);
  message = error_of<HubError>([&] {
    fetch_hub_model({"mlxocr-test/no-config", "main"}, settings_);
  });
  EXPECT_NE(message.find("mlxocr-test/no-config/config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("404"), std::string::npos) << message;

  HubRepoFiles without_weights = fixture_repo();
  without_weights.files.erase("model.safetensors");
  without_weights.lfs.clear();
  server_.add_repo("mlxocr-test/no-weights", without_weights);
  message = error_of<HubError>([&] {
    fetch_hub_model({"mlxocr-test/no-weights", "main"}, settings_);
  });
  EXPECT_NE(message.find("mlxocr-test/no-weights: the repository has no model weights"),
            std::string::npos)
      << message;
}

TEST_F(HubTest, TokenIsSentAndA401ExplainsWhatToDo) {
  server_.require_token("hf_secret");
  std::string message = error_of<HubError>([&] { fetch_hub_model({kRepo, "main"}, settings_); });
  EXPECT_NE(message.find("401 Unauthorized"), std::string::npos) << message;
  EXPECT_NE(message.find("set HF_TOKEN"), std::string::npos) << message;

  settings_.token = "hf_wrong";
  message = error_of<HubError>([&] { fetch_hub_model({kRepo, "main"}, settings_); });
  EXPECT_NE(message.find("the token in HF_TOKEN was refused"), std::string::npos) << message;

  settings_.token = "hf_secret";
  server_.clear_requests();
  fetch_hub_model({kRepo, "main"}, settings_);
  for (const auto& r : server_.requests()) {
    if (r.path.find("/resolve/") != std::string::npos) {
      EXPECT_EQ(r.authorization, "Bearer hf_secret") << r.path;
    }
  }
}

TEST_F(HubTest, GatedRepositoryIsA403WithAWayOut) {
  server_.gate(kRepo);
  const std::string message = error_of<HubError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("403 Forbidden"), std::string::npos) << message;
  EXPECT_NE(message.find("request it at " + server_.endpoint() + "/" + kRepo), std::string::npos)
      << message;
}

TEST_F(HubTest, OfflineModeUsesTheCacheOnlyAndSaysSo) {
  settings_.offline = true;
  const std::string message = error_of<HubError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("not in the hub cache"), std::string::npos) << message;
  EXPECT_NE(message.find("HF_HUB_OFFLINE"), std::string::npos) << message;
  EXPECT_EQ(server_.request_count(), 0u);

  settings_.offline = false;
  const fs::path snapshot = fetch_hub_model({kRepo, "main"}, settings_);
  // A cache another tool wrote, without our record of the absent files: offline, config.json
  // and the weights are enough.
  fs::remove_all(repo_folder() / ".no_exist");
  fs::remove(snapshot / "generation_config.json");
  server_.clear_requests();
  settings_.offline = true;
  EXPECT_EQ(fetch_hub_model({kRepo, "main"}, settings_), snapshot);
  EXPECT_EQ(server_.request_count(), 0u);
  // Online, only the unknown files are asked for.
  settings_.offline = false;
  EXPECT_EQ(fetch_hub_model({kRepo, "main"}, settings_), snapshot);
  EXPECT_TRUE(fs::exists(snapshot / "generation_config.json"));
  // generation_config.json and processor_config.json (transformers 5's), both unknown here.
  EXPECT_EQ(count_requests(server_, "HEAD", "config.json"), 2u);
  EXPECT_EQ(count_requests(server_, "GET", "/cdn/"), 0u);
}

TEST_F(HubTest, NetworkFailureIsClearAndFallsBackToAUsableCache) {
  HubSettings nowhere = settings_;
  server_.stop();
  const std::string message = error_of<HubNetworkError>([&] {
    fetch_hub_model({kRepo, "main"}, nowhere);
  });
  EXPECT_NE(message.find(std::string(kRepo) + ": cannot download from " + server_.endpoint()),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("HF_HUB_OFFLINE=1"), std::string::npos) << message;
}

TEST(Hub, CacheWithoutOptionalFilesIsUsedWhenTheHubIsDown) {
  TempDir cache("hub-down");
  fs::path snapshot;
  {
    LocalHubServer server;
    server.add_repo(kRepo, fixture_repo());
    snapshot = fetch_hub_model({kRepo, "main"}, settings_for(server, cache));
  }
  fs::remove_all(hub_repo_folder(cache.path(), kRepo) / ".no_exist");
  LocalHubServer down;
  HubSettings settings = settings_for(down, cache);
  down.stop();
  EXPECT_EQ(fetch_hub_model({kRepo, "main"}, settings), snapshot);
}

TEST(Hub, ShardedSafetensorsAreFetchedShardByShard) {
  // The fixture's tensors split over two shards and an index, as save_pretrained shards them.
  const TensorMap tensors = load_safetensors(testing::model_fixture("odd") / "model.safetensors");
  TensorMap first, second;
  nlohmann::json index = {{"metadata", {{"total_size", 0}}},
                          {"weight_map", nlohmann::json::object()}};
  for (const auto& [name, tensor] : tensors) {
    const bool early = name < "decoder.model.decoder.layers.1";
    (early ? first : second).insert_or_assign(name, tensor);
    index["weight_map"][name] =
        early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  TempDir scratch("hub-shards");
  save_safetensors(scratch / "a", first);
  save_safetensors(scratch / "b", second);
  HubRepoFiles repo = fixture_repo("odd");
  repo.files.erase("model.safetensors");
  repo.files["model.safetensors.index.json"] = index.dump();
  repo.files["model-00001-of-00002.safetensors"] = contents(scratch / "a");
  repo.files["model-00002-of-00002.safetensors"] = contents(scratch / "b");
  repo.lfs = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
  LocalHubServer server;
  server.add_repo("mlxocr-test/sharded", repo);
  TempDir cache("hub-sharded");
  const fs::path snapshot =
      fetch_hub_model({"mlxocr-test/sharded", "main"}, settings_for(server, cache));
  EXPECT_TRUE(fs::exists(snapshot / "model-00001-of-00002.safetensors"));
  EXPECT_TRUE(fs::exists(snapshot / "model-00002-of-00002.safetensors"));
  EXPECT_FALSE(fs::exists(snapshot / "pytorch_model.bin"));
  const TrOCRModel model = load_model(snapshot);
  const TrOCRModel local = load_model(testing::model_fixture("odd"));
  const mx::array pixels = mx::ones({1, 3, 16, 48});
  const mx::array ids = mx::array({2, 8, 9}, {1, 3}, mx::int32);
  EXPECT_EQ(testing::max_abs_diff(model.logits(pixels, ids), local.logits(pixels, ids)), 0.0f);
}

TEST(Hub, RenamedRepositoryRedirectIsFollowed) {
  LocalHubServer server;
  server.add_repo(kRepo, fixture_repo());
  server.rename("old-org/old-name", kRepo);
  TempDir cache("hub-renamed");
  const fs::path snapshot =
      fetch_hub_model({"old-org/old-name", "main"}, settings_for(server, cache));
  EXPECT_EQ(snapshot, cache / "models--old-org--old-name" / "snapshots" / kCommit);
  EXPECT_TRUE(fs::exists(snapshot / "model.safetensors"));
}

TEST(Hub, ParsesModelIds) {
  auto id = parse_hub_model_id("microsoft/trocr-base-handwritten");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->repo, "microsoft/trocr-base-handwritten");
  EXPECT_EQ(id->revision, "main");
  id = parse_hub_model_id("org/name@v1.0");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->revision, "v1.0");
  EXPECT_EQ(id->text(), "org/name@v1.0");
  id = parse_hub_model_id("org/name@refs/pr/1");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->revision, "refs/pr/1");
  for (const char* bad :
       {"name", "/abs/path", "./rel/x", "a/b/c", "../x", "org/na me", "org/", "/name", "org/name@",
        "org/name@../x", "org--x/name", "org/.hidden", "org/name@/x", "~/models/x"}) {
    EXPECT_FALSE(parse_hub_model_id(bad)) << bad;
  }
  EXPECT_EQ(hub_repo_folder("/c", "microsoft/trocr-small-printed"),
            fs::path("/c/models--microsoft--trocr-small-printed"));
}

TEST(Hub, SettingsFromTheEnvironment) {
  ScopedEnv env;
  for (const char* name :
       {"HF_ENDPOINT", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME",
        "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE", "HF_HUB_ETAG_TIMEOUT", "HF_HUB_DOWNLOAD_TIMEOUT"}) {
    env.unset(name);
  }
  TempDir home("hub-home");
  env.set("HOME", home.path().string());
  HubSettings s = HubSettings::from_environment();
  EXPECT_EQ(s.endpoint, "https://huggingface.co");
  EXPECT_EQ(s.cache, home / ".cache/huggingface/hub");
  EXPECT_EQ(s.token, "");
  EXPECT_FALSE(s.offline);

  env.set("XDG_CACHE_HOME", "/xdg");
  EXPECT_EQ(HubSettings::from_environment().cache, fs::path("/xdg/huggingface/hub"));
  env.set("HF_HOME", home.path().string());
  std::ofstream(home / "token") << "hf_from_file\n";
  s = HubSettings::from_environment();
  EXPECT_EQ(s.cache, home / "hub");
  EXPECT_EQ(s.token, "hf_from_file");
  env.set("HF_HUB_CACHE", "~/elsewhere");
  env.set("HF_ENDPOINT", "http://127.0.0.1:9/");
  env.set("HF_TOKEN", "hf_env");
  env.set("HF_HUB_OFFLINE", "1");
  env.set("HF_HUB_DOWNLOAD_TIMEOUT", "42");
  s = HubSettings::from_environment();
  EXPECT_EQ(s.cache, home / "elsewhere");
  EXPECT_EQ(s.endpoint, "http://127.0.0.1:9");
  EXPECT_EQ(s.token, "hf_env");
  EXPECT_TRUE(s.offline);
  EXPECT_EQ(s.download_timeout_seconds, 42);
  env.set("HF_HUB_OFFLINE", "0");
  EXPECT_FALSE(HubSettings::from_environment().offline);
  env.set("HF_HUB_ETAG_TIMEOUT", "soon");
  EXPECT_THROW(HubSettings::from_environment(), UsageError);
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_of(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Fed in uneven pieces, the digest is the same.
  const std::string text(1000, 'x');
  Sha256 pieces;
  for (size_t i = 0, step = 1; i < text.size(); i += step, step = step % 97 + 13)
    pieces.update(text.substr(i, step));
  EXPECT_EQ(pieces.hex_digest(), sha256_of(text));
}

// Hostile servers: every behaviour ends in a clear error within a bound, never fills the disk,
// never hangs, and never accepts bytes that do not match the hub's metadata.
class HostileHubTest : public HubTest {
 protected:
  HostileHubTest() {
    settings_.download_attempts = 1;
    settings_.download_timeout_seconds = 2;
    settings_.low_speed_bytes = 1024;
    settings_.low_speed_seconds = 1;
  }
  std::string config_blob() const { return git_blob_hash(fixture_repo().files.at("config.json")); }
  double seconds_since(std::chrono::steady_clock::time_point start) const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
};

TEST_F(HostileHubTest, EndlessBodyIsCutAtTheSizeOfTheMetadata) {
  server_.misbehave(testing::Hostile::endless_body);
  const std::string message = error_of<HubError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("sent more than"), std::string::npos) << message;
  // Not a byte past the size the HEAD gave was written.
  const fs::path partial = repo_folder() / "blobs" / (config_blob() + ".incomplete");
  EXPECT_LE(fs::file_size(partial), fixture_repo().files.at("config.json").size());
  // The next run checks what is there against the ETag, removes it, and says so.
  server_.misbehave(testing::Hostile::none);
  const std::string again = error_of<HubError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(again.find("git blob hash"), std::string::npos) << again;
  EXPECT_FALSE(fs::exists(partial));
  const fs::path snapshot = fetch_hub_model({kRepo, "main"}, settings_);
  EXPECT_EQ(contents(snapshot / "config.json"), fixture_repo().files.at("config.json"));
}

TEST_F(HostileHubTest, ContentLengthPastTheMetadataIsRefusedBeforeWriting) {
  server_.misbehave(testing::Hostile::long_content_length);
  const std::string message = error_of<HubError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("announced"), std::string::npos) << message;
  const fs::path partial = repo_folder() / "blobs" / (config_blob() + ".incomplete");
  EXPECT_TRUE(!fs::exists(partial) || fs::file_size(partial) == 0);
}

TEST_F(HostileHubTest, MetadataSizeBeyondTheFreeDiskIsRefusedBeforeDownloading) {
  server_.misbehave(testing::Hostile::huge_size);
  const std::string message = error_of<HubError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("config.json"), std::string::npos) << message;
  EXPECT_NE(message.find(": needs 1073741824.00 GB but only "), std::string::npos) << message;
  EXPECT_NE(message.find(" are free in "), std::string::npos) << message;
  EXPECT_EQ(count_requests(server_, "GET", "/config.json"), 0u);
}

TEST_F(HostileHubTest, TrickleBelowTheLowSpeedLimitIsGivenUp) {
  server_.misbehave(testing::Hostile::trickle, 50);  // 20 bytes/s: never stalls, never finishes
  const auto start = std::chrono::steady_clock::now();
  const std::string message = error_of<HubNetworkError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("slower than 1024 bytes/s for 1 s"), std::string::npos) << message;
  EXPECT_LT(seconds_since(start), 10.0);
}

TEST_F(HostileHubTest, StalledServerTimesOut) {
  settings_.low_speed_bytes = 0;                        // the stall timeout alone
  server_.misbehave(testing::Hostile::trickle, 60000);  // a byte a minute
  const auto start = std::chrono::steady_clock::now();
  const std::string message = error_of<HubNetworkError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("config.json"), std::string::npos) << message;
  EXPECT_LT(seconds_since(start), 10.0);
  server_.stop();  // ends the server's trickle now rather than at its bound
}

TEST_F(HostileHubTest, RegularFileNotMatchingItsEtagIsRejected) {
  const std::string config = fixture_repo().files.at("config.json");
  server_.corrupt(sha256_of(config));  // same length, other bytes
  const std::string message = error_of<HubError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("corrupted: its git blob hash"), std::string::npos) << message;
  EXPECT_NE(message.find(config_blob()), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(repo_folder() / "blobs" / config_blob()));

  server_.corrupt(sha256_of(config), false);
  fetch_hub_model({kRepo, "main"}, settings_);
  EXPECT_TRUE(corrupted_blobs(repo_folder()).empty());
  // A regular file damaged later in the cache is found as an LFS file is.
  const fs::path blob = repo_folder() / "blobs" / config_blob();
  {
    std::fstream file(blob, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(1);
    file.put('\x7f');
  }
  EXPECT_EQ(corrupted_blobs(repo_folder()), std::vector<fs::path>{blob});
}

TEST_F(HostileHubTest, EscapeSequencesInServerTextAreShownNotObeyed) {
  server_.gate(kRepo);
  server_.error_message(
      "\x1b]0;owned\x07\x1b[2J\bfake line \xc2\x9b"
      "31m \xe2\x80\xae"
      "tail");
  const std::string message = error_of<HubError>([&] {
    fetch_hub_model({kRepo, "main"}, settings_);
  });
  EXPECT_NE(message.find("403"), std::string::npos) << message;
  for (const char* raw : {"\x1b", "\x07", "\b", "\xc2\x9b", "\xe2\x80\xae"})
    EXPECT_EQ(message.find(raw), std::string::npos) << message;
  EXPECT_NE(message.find("\\x1b]0;owned\\x07\\x1b[2J\\x08fake line \\u{009b}31m \\u{202e}tail"),
            std::string::npos)
      << message;
}

TEST(GitBlobHash, MatchesGitHashObject) {
  // `printf 'hello\n' | git hash-object --stdin` and the empty blob, as git computes them.
  EXPECT_EQ(git_blob_hash("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
  EXPECT_EQ(git_blob_hash(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  // FIPS 180-4's SHA-1 vectors (no git header), one of them across a block boundary.
  Sha1 abc;
  abc.update("abc");
  EXPECT_EQ(abc.hex_digest(), "a9993e364706816aba3e25717850c26c9cd0d89d");
  Sha1 two_blocks;
  two_blocks.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  EXPECT_EQ(two_blocks.hex_digest(), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  testing::TempDir dir("git-blob");
  write_file_atomic(dir / "f", std::string(3 << 20, 'a'));
  EXPECT_EQ(git_blob_hash_file(dir / "f"), git_blob_hash(std::string(3 << 20, 'a')));
}

TEST(Printable, EscapesWhatATerminalWouldActOn) {
  EXPECT_EQ(printable("plain text, ünïcödé"), "plain text, ünïcödé");
  EXPECT_EQ(printable("a\x1b[31mb\tc\x7f"), "a\\x1b[31mb\\x09c\\x7f");
  EXPECT_EQ(printable("\xff\xc3"), "\\xff\\xc3");     // not UTF-8
  EXPECT_EQ(printable("\xc0\x80"), "\\xc0\\x80");     // overlong NUL
  EXPECT_EQ(printable("\xe2\x80\xae"), "\\u{202e}");  // right-to-left override
  EXPECT_EQ(printable(std::string(1000, 'z'), 10), std::string(10, 'z') + "...");
}

}  // namespace
}  // namespace mlxocr
