// The two reference stacks (transformers 4.53 + Pillow 10.4, transformers 5 + Pillow 13) where they
// part: Pillow's resize order on portrait images, the SentencePiece tokenizer transformers loads by
// default, a checkpoint each stack's save_pretrained wrote, and where a byte-level BPE's
// add_prefix_space is read from. Fixtures:
// tools/reference/make_stack_fixtures.py, run once with each stack's venv.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "image/image.h"
#include "image/processor.h"
#include "image/resize.h"
#include "io/npy.h"
#include "pipeline/recognizer.h"
#include "test_support.h"
#include "text/tokenizer.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The committed fixtures outside tests/fixtures/stacks/ were recorded with the pinned reference
// stack (transformers 4.53.1, Pillow 10.4: tools/reference/requirements.txt). mlxocr's defaults
// follow today's releases (transformers 5, Pillow 13), which part from it in a SentencePiece
// BPE model's encoding and in the resize order of portrait images; so the suite runs with the
// pinned stack's switches, for this process and the CLI runs it starts, whatever the shell says.
// tests/stacks/ switches per stack and checks the defaults themselves.
class PinnedStackEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    ::setenv("MLXOCR_TRANSFORMERS", "4", 1);
    ::setenv("MLXOCR_PILLOW", "12", 1);
  }
};

[[maybe_unused]] ::testing::Environment* const kPinnedStack =
    ::testing::AddGlobalTestEnvironment(new PinnedStackEnvironment);

const char* const kStacks[] = {"v4", "v5"};

fs::path stack_dir(const std::string& stack) {
  return testing::fixtures() / "stacks" / stack;
}

const json& stack_index(const std::string& stack) {
  static std::map<std::string, json> cache;
  auto it = cache.find(stack);
  if (it == cache.end()) {
    it = cache.emplace(stack, testing::read_json(stack_dir(stack) / "index.json")).first;
  }
  return it->second;
}

PillowResizeOrder order_of(const std::string& stack) {
  const std::string pillow = stack_index(stack)["versions"]["pillow"].get<std::string>();
  return std::stoi(pillow) >= 13 ? PillowResizeOrder::kPillow13 : PillowResizeOrder::kPillow12;
}

// Sets (or, with std::nullopt, unsets) an environment variable for one scope, as a user would
// for one run; the suite otherwise runs with the pinned stack's (tests/pinned_stack_environment).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Without the switches mlxocr follows the current releases: transformers 5, Pillow 13.
TEST(ReferenceStacks, DefaultsAreTheCurrentReleases) {
  ScopedEnv transformers("MLXOCR_TRANSFORMERS", std::nullopt);
  ScopedEnv pillow("MLXOCR_PILLOW", std::nullopt);
  EXPECT_EQ(transformers_target(), TransformersVersion::k5);
  const fs::path v5 = stack_dir("v5") / stack_index("v5")["model"]["folder"].get<std::string>();
  EXPECT_EQ(load_image_processor_config(v5).resize_order, PillowResizeOrder::kPillow13);
  const json& t = stack_index("v5")["tokenizer"];
  const auto tokenizer = load_tokenizer(testing::fixtures() / t["folder"].get<std::string>());
  for (const json& line : t["lines"])
    EXPECT_EQ(tokenizer->encode(line["text"].get<std::string>(), true), line["ids"]);
}

TEST(ReferenceStacks, RecordTheirVersions) {
  EXPECT_EQ(stack_index("v4")["versions"]["transformers"], "4.53.1");
  EXPECT_EQ(stack_index("v4")["versions"]["pillow"], "10.4.0");
  EXPECT_EQ(stack_index("v5")["versions"]["transformers"].get<std::string>().substr(0, 2), "5.");
  EXPECT_EQ(stack_index("v5")["versions"]["pillow"].get<std::string>().substr(0, 3), "13.");
}

// Each stack's Image.resize bytes, from our resize in that Pillow's order; and the other order
// really gives other bytes where Pillow 13 runs the vertical pass first (so this test can fail),
// the same bytes elsewhere. Pillow 13's rule (Resample.c): the height shrinks by more than twice
// as many pixels as the width.
TEST(ReferenceStacks, ResizeFollowsEachPillowsOrder) {
  for (const std::string stack : kStacks) {
    const PillowResizeOrder order = order_of(stack);
    const PillowResizeOrder other = order == PillowResizeOrder::kPillow13
                                        ? PillowResizeOrder::kPillow12
                                        : PillowResizeOrder::kPillow13;
    int cases_told_apart = 0;
    for (const json& c : stack_index(stack)["resize"]) {
      const std::string image_name = c["image"];
      const int width = c["width"], height = c["height"], resample = c["resample"];
      SCOPED_TRACE(stack + ": " + image_name + " -> " + std::to_string(width) + "x" +
                   std::to_string(height) + " " + pil_resample_name(resample));
      const RgbImage source = load_image(testing::fixtures() / "images" / image_name);
      const NpyArray ref = read_npy(stack_dir(stack) / c["file"].get<std::string>());
      ASSERT_EQ(ref.shape, (std::vector<int64_t>{height, width, 3}));
      auto differing = [&](PillowResizeOrder o) {
        const RgbImage ours = resize_like_pil(source, width, height, resample, o);
        size_t n = 0;
        for (size_t i = 0; i < ours.pixels.size(); ++i)
          n += ours.pixels[i] != static_cast<uint8_t>(ref.bytes[i]);
        return n;
      };
      EXPECT_EQ(differing(order), 0u);
      const size_t with_other = differing(other);
      const int height_cut = source.height - height, width_cut = source.width - width;
      if (height_cut > 0 && height_cut > 2 * width_cut) {
        cases_told_apart += with_other > 0;
      } else {
        EXPECT_EQ(with_other, 0u) << "both Pillows run the horizontal pass first here";
      }
      std::printf(
          "[stacks] %s Pillow %s: %-18s %4dx%-4d %-8s identical; other order: %zu bytes "
          "differ\n",
          stack.c_str(), stack_index(stack)["versions"]["pillow"].get<std::string>().c_str(),
          image_name.c_str(), width, height, pil_resample_name(resample), with_other);
    }
    EXPECT_GE(cases_told_apart, 3) << stack;
  }
}

// The SentencePiece (XLM-R) tokenizer as each stack's AutoTokenizer loads it, with
// MLXOCR_TRANSFORMERS naming the stack: from the .model file (transformers 5 reads a BPE model as
// Unigram), and from the folder that stack's save_pretrained wrote (transformers 5: tokenizer.json
// alone, whatever the switch says).
TEST(ReferenceStacks, SentencePieceAsEachStackLoadsIt) {
  for (const std::string stack : kStacks) {
    const json& t = stack_index(stack)["tokenizer"];
    ScopedEnv env("MLXOCR_TRANSFORMERS", stack.substr(1));
    for (const fs::path& folder :
         {testing::fixtures() / t["folder"].get<std::string>(),
          stack_dir(stack) / stack_index(stack)["model"]["folder"].get<std::string>()}) {
      const auto tokenizer = load_tokenizer(folder);
      size_t encoded = 0, decoded = 0;
      for (const json& line : t["lines"]) {
        const std::string text = line["text"];
        const auto ids = line["ids"].get<std::vector<int>>();
        const bool same_ids = tokenizer->encode(text, true) == ids;
        const bool same_text = tokenizer->decode(ids, true) == line["decoded"][0] &&
                               tokenizer->decode(ids, false) == line["decoded"][1];
        EXPECT_TRUE(same_ids) << stack << " " << folder << ": " << text;
        EXPECT_TRUE(same_text) << stack << " " << folder << ": " << text;
        encoded += same_ids;
        decoded += same_text;
      }
      for (const json& d : t["decodes"]) {
        const auto ids = d["ids"].get<std::vector<int>>();
        EXPECT_EQ(tokenizer->decode(ids, true), d["decoded"][0]) << stack << ": " << d["ids"];
        EXPECT_EQ(tokenizer->decode(ids, false), d["decoded"][1]) << stack << ": " << d["ids"];
      }
      std::printf("[stacks] %s %s from %s: encode identical %zu/%zu, decode identical %zu/%zu\n",
                  stack.c_str(), t["class"].get<std::string>().c_str(),
                  folder.filename().string().c_str(), encoded, t["lines"].size(), decoded,
                  t["lines"].size());
    }
  }
  // The switch matters: the other stack's encoding differs on some lines of the .model file.
  const json& v5 = stack_index("v5")["tokenizer"];
  const auto as_v4 = load_tokenizer(testing::fixtures() / v5["folder"].get<std::string>(),
                                    TransformersVersion::k4);
  size_t differ = 0;
  for (const json& line : v5["lines"])
    differ += as_v4->encode(line["text"].get<std::string>(), true) != line["ids"];
  EXPECT_GT(differ, 0u);
}

// A checkpoint each stack's save_pretrained wrote (transformers 5: processor_config.json only, its
// tokenizer files) loads, and gives the ids that stack's generate() gives.
TEST(ReferenceStacks, SavedCheckpointGivesTheStacksIds) {
  for (const std::string stack : kStacks) {
    const json& m = stack_index(stack)["model"];
    const fs::path folder = stack_dir(stack) / m["folder"].get<std::string>();
    ScopedEnv pillow("MLXOCR_PILLOW",
                     order_of(stack) == PillowResizeOrder::kPillow13 ? "13" : "12");
    ScopedEnv transformers("MLXOCR_TRANSFORMERS", stack.substr(1));
    const Recognizer recognizer(folder);
    size_t same = 0;
    for (const json& run : m["generate"]) {
      GenerationConfig options = recognizer.default_config();
      options.num_beams = run["settings"]["num_beams"];
      options.max_new_tokens = run["settings"]["max_new_tokens"];
      const auto lines = recognizer.recognize(
          {testing::fixtures() / "images" / run["image"].get<std::string>()}, options, 1);
      ASSERT_EQ(lines.size(), 1u);
      ASSERT_TRUE(lines[0].error.empty()) << lines[0].error;
      // generate() returns the start token first (one image: no padding after EOS); ours are
      // the generated tokens only.
      auto expected = run["ids"].get<std::vector<int>>();
      expected.erase(expected.begin());
      const bool ok = lines[0].token_ids == expected && lines[0].text == run["text"];
      EXPECT_EQ(lines[0].token_ids, expected) << stack << ": " << run["image"] << run["settings"];
      EXPECT_EQ(lines[0].text, run["text"]) << stack << ": " << run["image"];
      same += ok;
    }
    std::printf("[stacks] %s checkpoint saved by transformers %s (%s): ids identical %zu/%zu\n",
                stack.c_str(),
                stack_index(stack)["versions"]["transformers"].get<std::string>().c_str(),
                m["files"].dump().c_str(), same, m["generate"].size());
  }
}

// The byte-level BPE fixture with add_prefix_space switched in tokenizer_config.json (set or
// absent), in tokenizer.json's pre-tokeniser and post-processor, and with the class the config
// names: each stack's AutoTokenizer ids (prefix_space.json), with MLXOCR_TRANSFORMERS naming the
// stack. The folder edits are make_stack_fixtures.py's prefix_space_folder().
fs::path prefix_space_folder(const json& variant, const fs::path& target) {
  const fs::path source = testing::fixtures() / "tokenizers" / "roberta-bpe";
  fs::remove_all(target);
  fs::create_directories(target);
  for (const auto& entry : fs::directory_iterator(source)) {
    if (entry.path().filename() != "expected.json")
      fs::copy_file(entry.path(), target / entry.path().filename());
  }
  json config = testing::read_json(target / "tokenizer_config.json");
  config.erase("add_prefix_space");
  if (!variant["config"].is_null()) config["add_prefix_space"] = variant["config"];
  if (variant.contains("tokenizer_class")) config["tokenizer_class"] = variant["tokenizer_class"];
  std::ofstream(target / "tokenizer_config.json") << config.dump();
  json tj = testing::read_json(target / "tokenizer.json");
  tj["pre_tokenizer"]["add_prefix_space"] = variant["tokenizer_json"];
  tj["post_processor"]["add_prefix_space"] = variant["tokenizer_json"];
  std::ofstream(target / "tokenizer.json") << tj.dump();
  return target;
}

TEST(ReferenceStacks, ByteLevelPrefixSpaceAsEachStackReadsIt) {
  const fs::path scratch =
      fs::temp_directory_path() / ("mlxocr_prefix_space_" + std::to_string(::getpid()));
  for (const std::string stack : kStacks) {
    const json record = testing::read_json(stack_dir(stack) /
                                           stack_index(stack)["prefix_space"].get<std::string>());
    ScopedEnv env("MLXOCR_TRANSFORMERS", stack.substr(1));
    const auto& texts = record["texts"];
    for (const json& variant : record["variants"]) {
      const auto tokenizer = load_tokenizer(prefix_space_folder(variant, scratch));
      size_t same = 0;
      for (size_t i = 0; i < texts.size(); ++i) {
        const auto want = variant["ids"][i].get<std::vector<int>>();
        const auto got = tokenizer->encode(texts[i].get<std::string>(), true);
        EXPECT_EQ(got, want) << stack << ", " << variant["name"] << ": " << texts[i];
        same += got == want;
      }
      std::printf("[stacks] %s %s, %s: ids identical %zu/%zu\n", stack.c_str(),
                  variant["class"].get<std::string>().c_str(),
                  variant["name"].get<std::string>().c_str(), same, texts.size());
    }
  }
  fs::remove_all(scratch);
}

}  // namespace
}  // namespace mlxocr
