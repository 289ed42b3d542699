// tokenizer_config.json as transformers 4 and 5 write it: every field of both layouts is read.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/file_util.h"
#include "mlxocr/error.h"
#include "text/tokenizer_files.h"

namespace mlxocr::text {
namespace {

namespace fs = std::filesystem;

struct Folder {
  fs::path path;
  explicit Folder(const std::string& name) : path(fs::temp_directory_path() / name) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Folder() { fs::remove_all(path); }
};

// transformers 5: "extra_special_tokens" is a list (it replaces additional_special_tokens).
TEST(TokenizerConfigLayouts, Transformers5ExtraSpecialTokensList) {
  Folder dir("mlxocr_tokenizer_config_v5");
  write_file_atomic(dir.path / "tokenizer_config.json", R"({
    "backend": "tokenizers", "bos_token": "<s>", "eos_token": "</s>",
    "extra_special_tokens": ["<s>", "</s>", {"content": "<field>", "special": true}],
    "tokenizer_class": "XLMRobertaTokenizer", "unk_id": 0, "add_prefix_space": true})");
  const TokenizerFiles files = read_tokenizer_files(dir.path);
  EXPECT_EQ(files.additional_special_tokens, (std::vector<std::string>{"<s>", "</s>", "<field>"}));
  EXPECT_EQ(files.special_tokens.at("bos_token").content, "<s>");
  EXPECT_EQ(files.tokenizer_class, "XLMRobertaTokenizer");
  EXPECT_EQ(files.add_prefix_space, std::optional<bool>(true));
}

// transformers 4: "additional_special_tokens" (list) and "extra_special_tokens" (named object);
// special_tokens_map.json's list replaces the config's, as from_pretrained's arguments do.
TEST(TokenizerConfigLayouts, Transformers4Layout) {
  Folder dir("mlxocr_tokenizer_config_v4");
  write_file_atomic(dir.path / "tokenizer_config.json", R"({
    "additional_special_tokens": ["<a>"], "extra_special_tokens": {"field_token": "<field>"}})");
  EXPECT_EQ(read_tokenizer_files(dir.path).additional_special_tokens,
            (std::vector<std::string>{"<a>", "<field>"}));
  write_file_atomic(dir.path / "special_tokens_map.json",
                    R"({"additional_special_tokens": ["<b>"]})");
  EXPECT_EQ(read_tokenizer_files(dir.path).additional_special_tokens,
            (std::vector<std::string>{"<b>"}));
}

TEST(TokenizerConfigLayouts, ExtraSpecialTokensOfAnotherTypeIsAnError) {
  Folder dir("mlxocr_tokenizer_config_bad");
  write_file_atomic(dir.path / "tokenizer_config.json", R"({"extra_special_tokens": "<x>"})");
  try {
    read_tokenizer_files(dir.path);
    FAIL() << "expected TokenizerError";
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("extra_special_tokens"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mlxocr::text
