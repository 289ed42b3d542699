// What the JSON files around a tokenizer say: special tokens, added tokens, and the few settings
// that change encoding or decoding. Shared by both tokenizer kinds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "text/tokenizer.h"

namespace mlxocr::text {

// Size bounds of the files we read, checked before allocating.
inline constexpr std::uintmax_t kMaxConfigBytes = 16u << 20;       // *_config.json, *_map.json
inline constexpr std::uintmax_t kMaxVocabularyBytes = 256u << 20;  // tokenizer.json, vocab.json
inline constexpr std::uintmax_t kMaxModelBytes = 64u << 20;        // sentencepiece.bpe.model
inline constexpr int kMaxVocabularyIds = 1 << 24;                  // ids must be below this

// A token matched in the text before the model sees it (transformers' AddedToken).
struct AddedToken {
  std::string content;
  int id = -1;
  bool special = false;
  bool lstrip = false;       // swallows the white space on its left
  bool rstrip = false;       // ... and on its right
  bool single_word = false;  // only matched when not glued to other text
  bool normalized = false;
};

// Keys of the special tokens in special_tokens_map.json / tokenizer_config.json.
inline constexpr const char* kSpecialTokenKeys[] = {
    "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};

struct TokenizerFiles {
  std::filesystem::path folder;
  std::string tokenizer_class;  // tokenizer_config.json's "tokenizer_class", "" when absent
  // "bos_token" -> its token, from tokenizer_config.json, then special_tokens_map.json (which wins,
  // as in transformers' from_pretrained). Flags given with a token (dict form) are kept.
  std::map<std::string, AddedToken> special_tokens;
  std::vector<std::string> additional_special_tokens;
  // tokenizer_config.json "added_tokens_decoder" and added_tokens.json, with ids.
  std::vector<AddedToken> added_tokens;
  std::optional<bool> add_prefix_space;
  std::optional<bool> add_bos_token;
  std::optional<bool> clean_up_tokenization_spaces;
};

// Reads tokenizer_config.json, special_tokens_map.json and added_tokens.json where present.
TokenizerFiles read_tokenizer_files(const std::filesystem::path& folder);

// Parses JSON read from `path` (bounded by max_bytes); TokenizerError naming the file otherwise.
nlohmann::json read_json_file(const std::filesystem::path& path, std::uintmax_t max_bytes);

// An AddedToken from the dict form {"content": ..., "lstrip": ...} or a plain string; `where`
// names the file and field for errors.
AddedToken parse_added_token(const nlohmann::json& value, const std::string& where);

// The tokens a tokenizer matches before its model, and its special ids.
struct ResolvedTokens {
  std::vector<AddedToken> added;  // with ids; special tokens included
  SpecialTokenIds ids;
  std::vector<int> special_ids;              // sorted: what decode(skip_special_tokens=true) drops
  std::vector<std::string> special_strings;  // their contents
};

// Combines the added tokens a tokenizer file lists (`added`, e.g. tokenizer.json's) with those of
// tokenizer_config.json and the special tokens, as transformers' from_pretrained does. Special
// tokens the files do not name take the class defaults (`defaults`: "bos_token" -> "<s>", ...);
// a special token that is neither an added token nor in the vocabulary (`vocab_id` gives -1) is
// absent (id -1).
ResolvedTokens resolve_tokens(const TokenizerFiles& files, std::vector<AddedToken> added,
                              const std::map<std::string, std::string>& defaults,
                              const std::function<int(std::string_view)>& vocab_id);

}  // namespace mlxocr::text
