#include "text/tokenizer_files.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "mlxocr/error.h"
#include "text/unicode.h"

namespace mlxocr::text {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json_file(const fs::path& path, std::uintmax_t max_bytes) {
  const std::string data = read_file(path, max_bytes);
  try {
    return json::parse(data);
  } catch (const json::exception& e) {
    throw TokenizerError(path.string() + ": not valid JSON (" + e.what() + ")");
  }
}

namespace {

bool flag(const json& object, const char* key, bool fallback, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw TokenizerError(where + ": \"" + key + "\" must be true or false");
  return it->get<bool>();
}

std::optional<bool> optional_flag(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  return flag(object, key, false, where);
}

void check_token_text(const std::string& content, const std::string& where) {
  if (content.empty()) throw TokenizerError(where + ": empty token");
  if (unicode::find_invalid_utf8(content) != unicode::kValid) {
    throw TokenizerError(where + ": token is not valid UTF-8");
  }
}

// Reads the special token keys of tokenizer_config.json or special_tokens_map.json into `files`;
// later files overwrite earlier ones, as transformers' from_pretrained does.
void read_special_tokens(const json& doc, const std::string& file, TokenizerFiles& files) {
  for (const char* key : kSpecialTokenKeys) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) continue;
    AddedToken token = parse_added_token(*it, file + ": \"" + key + "\"");
    // RoBERTa's and XLM-R's classes make a mask token given as a plain string lstrip.
    if (it->is_string() && std::string_view(key) == "mask_token") token.lstrip = true;
    token.special = true;
    files.special_tokens[key] = std::move(token);
  }
  // transformers 4 lists them in "additional_special_tokens" (and may name more in an
  // "extra_special_tokens" object); transformers 5 writes "extra_special_tokens" as a list. A
  // later file's list replaces an earlier one's, as from_pretrained's keyword arguments do.
  bool replaced = false;
  for (const char* key : {"additional_special_tokens", "extra_special_tokens"}) {
    auto extra = doc.find(key);
    if (extra == doc.end() || extra->is_null()) continue;
    if (!replaced) files.additional_special_tokens.clear();
    replaced = true;
    const std::string where = file + ": \"" + key + "\"";
    if (!extra->is_array() && !extra->is_object()) {
      throw TokenizerError(where + " must be a list (or an object of named tokens)");
    }
    for (const json& t : *extra) {
      std::string content = parse_added_token(t, where).content;
      auto& list = files.additional_special_tokens;
      if (std::find(list.begin(), list.end(), content) == list.end()) {
        list.push_back(std::move(content));
      }
    }
  }
}

int parse_id(std::string_view text, const std::string& where) {
  int id = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 0 || id >= kMaxVocabularyIds) {
    throw TokenizerError(where + ": \"" + std::string(text) + "\" is not a token id (0 to " +
                         std::to_string(kMaxVocabularyIds - 1) + ")");
  }
  return id;
}

}  // namespace

AddedToken parse_added_token(const json& value, const std::string& where) {
  AddedToken token;
  if (value.is_string()) {
    token.content = value.get<std::string>();
  } else if (value.is_object()) {
    auto content = value.find("content");
    if (content == value.end() || !content->is_string()) {
      throw TokenizerError(where + ": a token needs a \"content\" string");
    }
    token.content = content->get<std::string>();
    token.lstrip = flag(value, "lstrip", false, where);
    token.rstrip = flag(value, "rstrip", false, where);
    token.single_word = flag(value, "single_word", false, where);
    token.normalized = flag(value, "normalized", false, where);
    token.special = flag(value, "special", false, where);
  } else {
    throw TokenizerError(where + ": a token must be a string or an object with \"content\"");
  }
  check_token_text(token.content, where);
  return token;
}

TokenizerFiles read_tokenizer_files(const fs::path& folder) {
  TokenizerFiles files;
  files.folder = folder;
  std::error_code ec;

  const fs::path config_path = folder / "tokenizer_config.json";
  if (fs::exists(config_path, ec)) {
    const std::string file = config_path.string();
    const json config = read_json_file(config_path, kMaxConfigBytes);
    if (!config.is_object()) throw TokenizerError(file + ": expected a JSON object");
    auto cls = config.find("tokenizer_class");
    if (cls != config.end() && cls->is_string()) files.tokenizer_class = cls->get<std::string>();
    files.add_prefix_space = optional_flag(config, "add_prefix_space", file);
    files.add_bos_token = optional_flag(config, "add_bos_token", file);
    files.clean_up_tokenization_spaces =
        optional_flag(config, "clean_up_tokenization_spaces", file);
    read_special_tokens(config, file, files);
    auto decoder = config.find("added_tokens_decoder");
    if (decoder != config.end() && !decoder->is_null()) {
      if (!decoder->is_object()) {
        throw TokenizerError(file + ": \"added_tokens_decoder\" must map ids to tokens");
      }
      for (const auto& [key, value] : decoder->items()) {
        const std::string where = file + ": \"added_tokens_decoder\" \"" + key + "\"";
        AddedToken token = parse_added_token(value, where);
        token.id = parse_id(key, where);
        files.added_tokens.push_back(std::move(token));
      }
    }
  }

  const fs::path map_path = folder / "special_tokens_map.json";
  if (fs::exists(map_path, ec)) {
    const json map = read_json_file(map_path, kMaxConfigBytes);
    if (!map.is_object()) throw TokenizerError(map_path.string() + ": expected a JSON object");
    read_special_tokens(map, map_path.string(), files);
  }

  // The legacy file of tokens added with add_tokens(): {"token": id}.
  const fs::path added_path = folder / "added_tokens.json";
  if (fs::exists(added_path, ec)) {
    const std::string file = added_path.string();
    const json added = read_json_file(added_path, kMaxConfigBytes);
    if (!added.is_object()) throw TokenizerError(file + ": expected {\"token\": id, ...}");
    for (const auto& item : added.items()) {
      // Not a structured binding: clang 14 (the sanitizer build) cannot capture one in a lambda.
      const std::string& content = item.key();
      const json& id = item.value();
      if (!id.is_number_integer() || id.get<long long>() < 0 ||
          id.get<long long>() >= kMaxVocabularyIds) {
        throw TokenizerError(file + ": the id of \"" + content + "\" is not a token id");
      }
      const bool known = std::any_of(files.added_tokens.begin(), files.added_tokens.end(),
                                     [&](const AddedToken& t) { return t.content == content; });
      if (known) continue;
      AddedToken token;
      token.content = content;
      token.id = id.get<int>();
      check_token_text(token.content, file);
      files.added_tokens.push_back(std::move(token));
    }
  }
  return files;
}

ResolvedTokens resolve_tokens(const TokenizerFiles& files, std::vector<AddedToken> added,
                              const std::map<std::string, std::string>& defaults,
                              const std::function<int(std::string_view)>& vocab_id) {
  auto find = [&](const std::string& content) -> AddedToken* {
    for (AddedToken& t : added) {
      if (t.content == content) return &t;
    }
    return nullptr;
  };
  for (const AddedToken& t : files.added_tokens) {
    if (find(t.content) == nullptr) added.push_back(t);
  }

  ResolvedTokens out;
  // Returns the id of a special token, adding it to the matched tokens when only the vocabulary
  // has it (the slow tokenizers add every special token to their added tokens).
  auto special_id = [&](AddedToken token) {
    token.special = true;
    out.special_strings.push_back(token.content);
    if (AddedToken* known = find(token.content)) {
      known->special = true;
      return known->id;
    }
    token.id = vocab_id(token.content);
    if (token.id >= 0) added.push_back(token);
    return token.id;
  };
  std::map<std::string, int> named;
  for (const char* key : kSpecialTokenKeys) {
    AddedToken token;
    if (auto it = files.special_tokens.find(key); it != files.special_tokens.end()) {
      token = it->second;
    } else if (auto d = defaults.find(key); d != defaults.end()) {
      token.content = d->second;
      token.lstrip = std::string_view(key) == "mask_token";  // RoBERTa's and XLM-R's default
    } else {
      continue;
    }
    named[key] = special_id(std::move(token));
  }
  for (const std::string& content : files.additional_special_tokens) {
    AddedToken token;
    token.content = content;
    special_id(std::move(token));
  }
  auto id_of = [&](const char* key) {
    auto it = named.find(key);
    return it == named.end() ? -1 : it->second;
  };
  out.ids.bos = id_of("bos_token");
  out.ids.eos = id_of("eos_token");
  out.ids.unk = id_of("unk_token");
  out.ids.sep = id_of("sep_token");
  out.ids.pad = id_of("pad_token");
  out.ids.cls = id_of("cls_token");
  out.ids.mask = id_of("mask_token");

  for (const AddedToken& t : added) {
    if (t.special && t.id >= 0) out.special_ids.push_back(t.id);
  }
  std::sort(out.special_ids.begin(), out.special_ids.end());
  out.special_ids.erase(std::unique(out.special_ids.begin(), out.special_ids.end()),
                        out.special_ids.end());
  out.added = std::move(added);
  return out;
}

}  // namespace mlxocr::text
