#include <gtest/gtest.h>

#include <functional>

#include "io/checkpoint.h"
#include "io/io_test_util.h"

namespace mlxocr::io_test {
namespace {

constexpr const char* kIndex = "model.safetensors.index.json";
constexpr const char* kSecondShard = "model-00002-of-00002.safetensors";

// A copy of the sharded safetensors fixture that a test may damage.
void copy_sharded(const fs::path& to) {
  fs::copy(fixture("sharded"), to, fs::copy_options::recursive);
}

void edit_index(const fs::path& index_path, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json index = nlohmann::json::parse(read_bytes(index_path));
  edit(index);
  write_bytes(index_path, index.dump());
}

TEST(Checkpoint, LoadsShardedSafetensors) {
  expect_matches_reference(load_checkpoint_tensors(fixture("sharded")), "sharded");
}

TEST(Checkpoint, LoadsShardedTorchBins) {
  expect_matches_reference(load_checkpoint_tensors(fixture("sharded_bin")), "sharded_bin");
}

TEST(Checkpoint, PrefersSafetensorsThenShardsThenBin) {
  TempDir dir;
  fs::copy(fixture("tensors.bin"), dir.path() / "pytorch_model.bin");
  expect_matches_reference(load_checkpoint_tensors(dir.path()), "tensors.bin");
  fs::copy(fixture("sharded") / kIndex, dir.path() / kIndex);
  for (const auto& shard : fs::directory_iterator(fixture("sharded")))
    fs::copy(shard.path(), dir.path() / shard.path().filename(), fs::copy_options::skip_existing);
  expect_matches_reference(load_checkpoint_tensors(dir.path()), "sharded");
  fs::copy(fixture("module.safetensors"), dir.path() / "model.safetensors");
  expect_matches_reference(load_checkpoint_tensors(dir.path()), "module.safetensors");
}

TEST(Checkpoint, ReportsAMissingShardByName) {
  TempDir dir;
  copy_sharded(dir.path() / "m");
  fs::remove(dir.path() / "m" / kSecondShard);
  expect_checkpoint_error([&] { load_checkpoint_tensors(dir.path() / "m"); },
                          {kIndex, "shard 'model-00002-of-00002.safetensors'", "does not exist"});
}

TEST(Checkpoint, ReportsATensorMissingFromItsShard) {
  TempDir dir;
  copy_sharded(dir.path() / "m");
  edit_index(dir.path() / "m" / kIndex,
             [](nlohmann::json& index) { index["weight_map"]["layer.9.weight"] = kSecondShard; });
  expect_checkpoint_error(
      [&] { load_checkpoint_tensors(dir.path() / "m"); },
      {kIndex,
       "tensor 'layer.9.weight' is mapped to shard 'model-00002-of-00002.safetensors', "
       "which does not contain it"});
}

TEST(Checkpoint, RefusesShardNamesThatLeaveTheFolder) {
  for (const std::string shard :
       {"../model.safetensors", "..", "/etc/passwd", "sub/model.safetensors", "a\\b"}) {
    SCOPED_TRACE(shard);
    TempDir dir;
    copy_sharded(dir.path() / "m");
    fs::copy(fixture("module.safetensors"), dir.path() / "model.safetensors");
    edit_index(dir.path() / "m" / kIndex,
               [&](nlohmann::json& index) { index["weight_map"]["layer.0.weight"] = shard; });
    expect_checkpoint_error([&] { load_checkpoint_tensors(dir.path() / "m"); },
                            {kIndex, "tensor 'layer.0.weight' is mapped to shard '" + shard + "'",
                             "path separators and '..' are refused"});
  }
}

TEST(Checkpoint, RejectsMalformedIndexes) {
  TempDir dir;
  copy_sharded(dir.path() / "m");
  write_bytes(dir.path() / "m" / kIndex, "{\"weight_map\": {");
  expect_checkpoint_error([&] { load_checkpoint_tensors(dir.path() / "m"); },
                          {kIndex, "not valid JSON"});
  // nlohmann's out_of_range (a number beyond double), not parse_error: it escaped unnamed.
  write_bytes(dir.path() / "m" / kIndex, "{\"metadata\": {\"total_size\": 1e400}}");
  expect_checkpoint_error([&] { load_checkpoint_tensors(dir.path() / "m"); },
                          {kIndex, "not valid JSON"});
  write_bytes(dir.path() / "m" / kIndex, "{\"metadata\": {}}");
  expect_checkpoint_error([&] { load_checkpoint_tensors(dir.path() / "m"); },
                          {kIndex, "\"weight_map\""});
  write_bytes(dir.path() / "m" / kIndex, "{\"weight_map\": {\"w\": 3}}");
  expect_checkpoint_error([&] { load_checkpoint_tensors(dir.path() / "m"); },
                          {kIndex, "tensor 'w'", "must be a shard file name"});
}

TEST(Checkpoint, ListsWhatWasLookedForWhenNothingIsThere) {
  TempDir dir;
  expect_checkpoint_error([&] { load_checkpoint_tensors(dir.path()); },
                          {dir.path().string(), "no model weights found",
                           "model.safetensors, model.safetensors.index.json, pytorch_model.bin "
                           "and pytorch_model.bin.index.json"});
  write_bytes(dir.path() / "tf_model.h5", "x");
  expect_checkpoint_error([&] { load_checkpoint_tensors(dir.path()); },
                          {"found only unsupported formats: tf_model.h5"});
  expect_checkpoint_error([&] { load_checkpoint_tensors(dir.path() / "nope"); },
                          {"nope", "not a model folder"});
}

TEST(Checkpoint, PassesOnErrorsOfTheChosenFile) {
  TempDir dir;
  fs::copy(fixture("evil_system.bin"), dir.path() / "pytorch_model.bin");
  expect_checkpoint_error([&] { load_checkpoint_tensors(dir.path()); },
                          {"pytorch_model.bin", "refusing to load", "'posix.system'"});
}

}  // namespace
}  // namespace mlxocr::io_test
