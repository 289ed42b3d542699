// Generation settings from config.json / generation_config.json resolve as transformers resolves
// them (records of make_generation_fixtures.py), mlxocr's max_new_tokens rule on top, and bad
// settings are refused with messages that say what is wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "generate/generation_config.h"
#include "mlxocr/error.h"
#include "model/config.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path config_case(const std::string& name) {
  return testing::fixtures() / "generation" / "configs" / name;
}

using testing::read_json;

class StoredSettingsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(StoredSettingsTest, ResolveAsTransformers) {
  const fs::path dir = config_case(GetParam());
  const ModelConfig model = load_model_config(dir);
  const json resolved = resolve_stored_generation_settings(dir, model.raw);
  const json expected = read_json(dir / "expected.json")["resolved"];
  for (const auto& [key, value] : expected.items()) {
    EXPECT_EQ(resolved.at(key), value) << GetParam() << ": " << key;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, StoredSettingsTest,
                         ::testing::Values("ids_only", "legacy_config_only",
                                           "legacy_with_derived_file", "explicit_file_wins",
                                           "decoder_subconfig", "short_max_length"));

GenerationConfig load_case(const std::string& name) {
  const fs::path dir = config_case(name);
  return load_generation_config(dir, load_model_config(dir));
}

// The fixture decoder has 64 positions: at most 63 new tokens.
TEST(GenerationConfigLoad, MaxNewTokensRule) {
  EXPECT_EQ(load_case("ids_only").max_new_tokens, 63);            // 128, capped
  EXPECT_EQ(load_case("legacy_config_only").max_new_tokens, 63);  // max_length 64 - start
  EXPECT_EQ(load_case("explicit_file_wins").max_new_tokens, 40);  // max_new_tokens
  EXPECT_EQ(load_case("decoder_subconfig").max_new_tokens, 49);   // decoder max_length 50
  const GenerationConfig short_length = load_case("short_max_length");
  EXPECT_EQ(short_length.max_new_tokens, 63);  // max_length 16 is not used
  EXPECT_NE(short_length.max_new_tokens_note.find("max_length 16"), std::string::npos);

  // A full-size decoder: transformers' default max_length 20 becomes 128 new tokens.
  ModelConfig big = load_model_config(config_case("ids_only"));
  big.decoder.max_position_embeddings = 512;
  json settings = resolve_stored_generation_settings(config_case("ids_only"), big.raw);
  EXPECT_EQ(generation_config_from_settings(settings, big, "test").max_new_tokens, 128);
  settings["max_length"] = 300;
  EXPECT_EQ(generation_config_from_settings(settings, big, "test").max_new_tokens, 299);
  settings["max_length"] = 2000;
  const GenerationConfig capped = generation_config_from_settings(settings, big, "test");
  EXPECT_EQ(capped.max_new_tokens, 511);
  EXPECT_FALSE(capped.max_new_tokens_note.empty());
}

TEST(GenerationConfigLoad, SettingsOfTheTutorialCheckpoints) {
  for (const char* name : {"legacy_config_only", "legacy_with_derived_file"}) {
    const GenerationConfig c = load_case(name);
    EXPECT_EQ(c.num_beams, 4) << name;
    EXPECT_EQ(c.early_stopping, EarlyStopping::kTrue) << name;
    EXPECT_EQ(c.no_repeat_ngram_size, 3) << name;
    EXPECT_DOUBLE_EQ(c.length_penalty, 2.0) << name;
  }
  const GenerationConfig explicit_file = load_case("explicit_file_wins");
  EXPECT_EQ(explicit_file.num_beams, 3);
  EXPECT_EQ(explicit_file.early_stopping, EarlyStopping::kNever);
  EXPECT_EQ(explicit_file.no_repeat_ngram_size, 0);
  EXPECT_DOUBLE_EQ(explicit_file.repetition_penalty, 1.2);
  EXPECT_EQ(explicit_file.bad_words_ids, (std::vector<std::vector<int>>{{5}, {7, 8}}));
  const GenerationConfig sampled = load_case("short_max_length");
  EXPECT_TRUE(sampled.do_sample);
  EXPECT_EQ(sampled.top_k, 0);
  EXPECT_DOUBLE_EQ(sampled.top_p, 0.9);
  EXPECT_DOUBLE_EQ(sampled.temperature, 0.7);
  EXPECT_EQ(sampled.min_new_tokens, 2);  // min_length 3 counts the start token
  EXPECT_EQ(sampled.eos_token_ids, std::vector<int>{2});
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("mlxocr_gencfg_" + std::to_string(::getpid()));
    fs::create_directories(path);
    fs::copy_file(config_case("ids_only") / "config.json", path / "config.json",
                  fs::copy_options::overwrite_existing);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
};

TEST(GenerationConfigLoad, MalformedFilesNameTheFileAndKey) {
  TempDir dir;
  const ModelConfig model = load_model_config(dir.path);
  dir.write("generation_config.json", "{\"num_beams\": ");
  try {
    load_generation_config(dir.path, model);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("generation_config.json"), std::string::npos);
  }
  dir.write("generation_config.json", "{\"num_beams\": \"four\"}");
  try {
    load_generation_config(dir.path, model);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("num_beams"), std::string::npos) << e.what();
  }
  dir.write("generation_config.json", "{\"early_stopping\": \"sometimes\"}");
  EXPECT_THROW(load_generation_config(dir.path, model), ConfigError);
  // A number beyond double is nlohmann's out_of_range, not parse_error: it escaped unnamed.
  dir.write("generation_config.json", "{\"length_penalty\": -1e400}");
  try {
    load_generation_config(dir.path, model);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("generation_config.json: malformed JSON"),
              std::string::npos)
        << e.what();
  }
}

TEST(GenerationConfigLoad, UnimplementedSettingsAreNotedNotIgnoredSilently) {
  TempDir dir;
  dir.write("generation_config.json", "{\"forced_eos_token_id\": 2, \"num_beam_groups\": 2}");
  const GenerationConfig c = load_generation_config(dir.path, load_model_config(dir.path));
  ASSERT_EQ(c.notes.size(), 2u);
  EXPECT_NE(c.notes[0].find("not implement"), std::string::npos);
}

TEST(GenerationConfigKwargs, UnknownKeyIsAnError) {
  GenerationConfig c;
  EXPECT_THROW(apply_generate_kwargs(c, json{{"num_beam", 2}}, "test"), ConfigError);
  apply_generate_kwargs(c, json{{"num_beams", 3}, {"early_stopping", "never"}}, "test");
  EXPECT_EQ(c.num_beams, 3);
  EXPECT_EQ(c.early_stopping, EarlyStopping::kNever);
}

// The message of the UsageError `config` raises, or "" when it is valid.
std::string problem(const GenerationConfig& config) {
  const ModelConfig model = load_model_config(testing::model_fixture("vit-trocr"));
  try {
    validate_generation_config(config, model);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(GenerationConfigValidate, RefusesWhatCannotRun) {
  EXPECT_EQ(problem({.max_new_tokens = 10}), "");
  EXPECT_NE(problem({.num_beams = 0}).find("num_beams"), std::string::npos);
  EXPECT_NE(problem({.max_new_tokens = 0}).find("max_new_tokens"), std::string::npos);
  EXPECT_NE(problem({.max_new_tokens = -5}).find("max_new_tokens"), std::string::npos);
  EXPECT_NE(problem({.max_new_tokens = 64}).find("positions"), std::string::npos);
  EXPECT_NE(problem({.max_new_tokens = 10, .min_new_tokens = -1}).find("min_new_tokens"),
            std::string::npos);
  EXPECT_NE(problem({.max_new_tokens = 10, .num_beams = 2, .num_return_sequences = 3})
                .find("num_return_sequences"),
            std::string::npos);
  EXPECT_NE(problem({.max_new_tokens = 10, .num_return_sequences = 2}).find("greedy"),
            std::string::npos);
  GenerationConfig sampling{.max_new_tokens = 10};
  sampling.do_sample = true;
  sampling.num_return_sequences = 4;  // several samples per image are fine
  EXPECT_EQ(problem(sampling), "");
  for (double top_p : {0.0, -0.1, 1.5}) {
    GenerationConfig c = sampling;
    c.top_p = top_p;
    EXPECT_NE(problem(c).find("top_p"), std::string::npos) << top_p;
  }
  GenerationConfig cold = sampling;
  cold.temperature = 0;
  EXPECT_NE(problem(cold).find("temperature"), std::string::npos);
  GenerationConfig negative_k = sampling;
  negative_k.top_k = -1;
  EXPECT_NE(problem(negative_k).find("top_k"), std::string::npos);
  GenerationConfig penalty{.max_new_tokens = 10};
  penalty.repetition_penalty = 0;
  EXPECT_NE(problem(penalty).find("repetition_penalty"), std::string::npos);
  GenerationConfig ngram{.max_new_tokens = 10};
  ngram.no_repeat_ngram_size = -1;
  EXPECT_NE(problem(ngram).find("no_repeat_ngram_size"), std::string::npos);
  GenerationConfig bad_words{.max_new_tokens = 10};
  bad_words.bad_words_ids = {{5}, {}};
  EXPECT_NE(problem(bad_words).find("empty"), std::string::npos);
  bad_words.bad_words_ids = {{5, 100000}};
  EXPECT_NE(problem(bad_words).find("vocabulary"), std::string::npos);
  GenerationConfig start{.max_new_tokens = 10};
  start.decoder_start_token_id = 100000;
  EXPECT_NE(problem(start).find("decoder_start_token_id"), std::string::npos);
}

TEST(GenerationConfigValidate, EarlyStoppingWords) {
  EXPECT_EQ(parse_early_stopping("never", "--early-stopping"), EarlyStopping::kNever);
  EXPECT_EQ(parse_early_stopping("true", "--early-stopping"), EarlyStopping::kTrue);
  EXPECT_EQ(parse_early_stopping("false", "--early-stopping"), EarlyStopping::kFalse);
  EXPECT_THROW(parse_early_stopping("yes", "--early-stopping"), UsageError);
}

}  // namespace
}  // namespace mlxocr
