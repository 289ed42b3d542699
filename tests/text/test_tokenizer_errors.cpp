// Missing and malformed tokenizer files give a TokenizerError that names the file (or the folder
// and the files looked for), never a crash.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "mlxocr/error.h"
#include "text/tokenizer.h"
#include "text/tokenizer_fixtures.h"

namespace fs = std::filesystem;
using mlxocr::load_tokenizer;
using mlxocr::TokenizerError;
using mlxocr::testing::read_text;
using mlxocr::testing::ScratchDir;
using mlxocr::testing::write_text;
using nlohmann::json;

namespace {

// Loads `dir` and expects a TokenizerError whose message holds every one of `needles`.
void expect_load_error(const fs::path& dir, const std::vector<std::string>& needles) {
  try {
    load_tokenizer(dir);
    ADD_FAILURE() << dir << ": expected a TokenizerError";
  } catch (const TokenizerError& e) {
    const std::string message = e.what();
    for (const std::string& needle : needles) {
      EXPECT_NE(message.find(needle), std::string::npos)
          << "message \"" << message << "\" does not mention \"" << needle << "\"";
    }
  }
}

const std::vector<std::string> kBpeFiles = {"vocab.json", "merges.txt", "tokenizer_config.json",
                                            "special_tokens_map.json"};

}  // namespace

TEST(TokenizerErrors, MissingFiles) {
  ScratchDir scratch("tokenizer_missing");
  const fs::path empty = scratch.path() / "empty";
  fs::create_directories(empty);
  expect_load_error(empty, {empty.string(), "sentencepiece.bpe.model", "tokenizer.json",
                            "vocab.json", "merges.txt"});
  expect_load_error(scratch.path() / "no-such-folder", {"no-such-folder", "not a folder"});

  const fs::path only_vocab = scratch.copy_fixture("roberta-bpe", "only_vocab", {"vocab.json"});
  expect_load_error(only_vocab, {"vocab.json but not merges.txt"});
  // Configuration files alone are no tokenizer.
  const fs::path only_config =
      scratch.copy_fixture("roberta-bpe", "only_config", {"tokenizer_config.json"});
  expect_load_error(only_config, {"no tokenizer files"});
}

TEST(TokenizerErrors, MalformedVocabularyAndMerges) {
  ScratchDir scratch("tokenizer_malformed");
  auto bpe_copy = [&](const std::string& name) {
    return scratch.copy_fixture("roberta-bpe", name, kBpeFiles);
  };

  fs::path dir = bpe_copy("vocab_not_json");
  write_text(dir / "vocab.json", "{\"a\": 0, ");
  expect_load_error(dir, {"vocab.json", "not valid JSON"});

  dir = bpe_copy("vocab_empty_file");
  write_text(dir / "vocab.json", "");
  expect_load_error(dir, {"vocab.json"});

  dir = bpe_copy("vocab_bad_id");
  write_text(dir / "vocab.json", R"({"a": "zero", "b": 1})");
  expect_load_error(dir, {"vocab.json", "\"a\""});

  dir = bpe_copy("vocab_negative_id");
  write_text(dir / "vocab.json", R"({"a": -4})");
  expect_load_error(dir, {"vocab.json"});

  dir = bpe_copy("vocab_huge_id");  // would allocate a giant table if trusted
  write_text(dir / "vocab.json", R"({"a": 2000000000})");
  expect_load_error(dir, {"vocab.json"});

  dir = bpe_copy("vocab_array");
  write_text(dir / "vocab.json", "[1, 2, 3]");
  expect_load_error(dir, {"vocab.json"});

  dir = bpe_copy("merges_three_parts");
  write_text(dir / "merges.txt", "#version: 0.2\nĠ t\na b c\n");
  expect_load_error(dir, {"merges.txt", "line 3"});

  dir = bpe_copy("merges_unknown_token");
  write_text(dir / "merges.txt", "#version: 0.2\nĠ t\nzzzq qqqz\n");
  expect_load_error(dir, {"merges.txt", "not in the vocabulary"});

  dir = bpe_copy("merges_binary");
  write_text(dir / "merges.txt", std::string("a \xff\xfe\n", 5));
  expect_load_error(dir, {"merges.txt", "UTF-8"});

  dir = bpe_copy("config_not_json");
  write_text(dir / "tokenizer_config.json", "{{");
  expect_load_error(dir, {"tokenizer_config.json", "not valid JSON"});

  dir = bpe_copy("config_bad_flag");
  write_text(dir / "tokenizer_config.json", R"({"add_prefix_space": "yes"})");
  expect_load_error(dir, {"tokenizer_config.json", "add_prefix_space"});

  dir = bpe_copy("map_bad_token");
  write_text(dir / "special_tokens_map.json", R"({"bos_token": 5})");
  expect_load_error(dir, {"special_tokens_map.json", "bos_token"});
}

TEST(TokenizerErrors, MalformedTokenizerJson) {
  ScratchDir scratch("tokenizer_json_malformed");
  const std::string original =
      read_text(mlxocr::testing::tokenizer_fixture("roberta-bpe") / "tokenizer.json");
  const json doc = json::parse(original);
  int n = 0;
  auto with = [&](const std::string& content) {
    const fs::path dir = scratch.path() / ("case" + std::to_string(n++));
    fs::create_directories(dir);
    write_text(dir / "tokenizer.json", content);
    return dir;
  };
  expect_load_error(with(original.substr(0, original.size() / 2)),
                    {"tokenizer.json", "not valid JSON"});
  expect_load_error(with(""), {"tokenizer.json"});
  expect_load_error(with("42"), {"tokenizer.json"});

  // A Unigram model (transformers 5 saves SentencePiece tokenizers so) is read now; one whose
  // "vocab" is not a list of [piece, score] pairs is refused by name.
  json unigram = doc;
  unigram["model"]["type"] = "Unigram";
  expect_load_error(with(unigram.dump()), {"tokenizer.json", "Unigram", "[piece, score] pairs"});

  json no_vocab = doc;
  no_vocab["model"].erase("vocab");
  expect_load_error(with(no_vocab.dump()), {"tokenizer.json", "vocab"});

  json bad_merge = doc;
  bad_merge["model"]["merges"][3] = json::array({"x"});
  expect_load_error(with(bad_merge.dump()), {"tokenizer.json", "merges[3]"});

  json bad_merge_type = doc;
  bad_merge_type["model"]["merges"] = "s t";
  expect_load_error(with(bad_merge_type.dump()), {"tokenizer.json", "merges"});

  json wrong_pre = doc;
  wrong_pre["pre_tokenizer"] = {{"type", "Whitespace"}};
  expect_load_error(with(wrong_pre.dump()), {"tokenizer.json", "ByteLevel"});

  json normalizer = doc;
  normalizer["normalizer"] = {{"type", "Lowercase"}};
  expect_load_error(with(normalizer.dump()), {"tokenizer.json", "Lowercase"});

  json bad_added = doc;
  bad_added["added_tokens"][0].erase("id");
  expect_load_error(with(bad_added.dump()), {"tokenizer.json", "added_tokens"});

  json bad_vocab_value = doc;
  bad_vocab_value["model"]["vocab"]["<s>"] = json::array();
  expect_load_error(with(bad_vocab_value.dump()), {"tokenizer.json", "<s>"});

  json bad_processor = doc;
  bad_processor["post_processor"]["cls"] = "oops";
  expect_load_error(with(bad_processor.dump()), {"tokenizer.json", "post_processor"});
}

TEST(TokenizerErrors, CorruptSentencePieceModel) {
  ScratchDir scratch("tokenizer_spm_corrupt");
  const fs::path fixture = mlxocr::testing::tokenizer_fixture("xlmr-spm");
  const std::string model = read_text(fixture / "sentencepiece.bpe.model");
  int n = 0;
  auto with = [&](const std::string& content) {
    const fs::path dir = scratch.path() / ("case" + std::to_string(n++));
    fs::create_directories(dir);
    fs::copy_file(fixture / "tokenizer_config.json", dir / "tokenizer_config.json");
    write_text(dir / "sentencepiece.bpe.model", content);
    return dir;
  };
  expect_load_error(with(""), {"sentencepiece.bpe.model"});
  expect_load_error(with("this is a text file, not a model\n"), {"sentencepiece.bpe.model"});
  expect_load_error(with(model.substr(0, model.size() / 3)), {"sentencepiece.bpe.model"});
  std::mt19937 rng(7);
  std::string noise(4096, '\0');
  for (char& c : noise)
    c = static_cast<char>(rng());
  expect_load_error(with(noise), {"sentencepiece.bpe.model"});
  // Flipped bytes may still parse; then the model must either load or be refused, never crash.
  for (int trial = 0; trial < 20; ++trial) {
    std::string damaged = model;
    for (int k = 0; k < 8; ++k)
      damaged[rng() % damaged.size()] = static_cast<char>(rng());
    const fs::path dir = with(damaged);
    try {
      auto tokenizer = load_tokenizer(dir);
      (void)tokenizer->encode("Hello world");
    } catch (const TokenizerError& e) {
      EXPECT_NE(std::string(e.what()).find("sentencepiece.bpe.model"), std::string::npos)
          << e.what();
    }
  }
}

TEST(TokenizerErrors, BadIdsAndText) {
  for (const std::string name : {"roberta-bpe", "xlmr-spm"}) {
    auto tokenizer = load_tokenizer(mlxocr::testing::tokenizer_fixture(name));
    EXPECT_THROW(tokenizer->decode({0, tokenizer->vocab_size(), 2}), TokenizerError) << name;
    EXPECT_THROW(tokenizer->decode({-1}), TokenizerError) << name;
    EXPECT_THROW(tokenizer->id_to_token(1 << 30), TokenizerError) << name;
    EXPECT_THROW(tokenizer->encode("caf\xC3"), TokenizerError) << name;
    EXPECT_THROW(tokenizer->encode("\xED\xA0\x80"), TokenizerError) << name;  // a surrogate
    EXPECT_EQ(tokenizer->decode({}), "") << name;
  }
}
