#include "text/byte_level_bpe.h"

#include <array>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>
#include <utility>

#include "core/file_util.h"
#include "mlxocr/error.h"
#include "text/added_tokens.h"
#include "text/unicode.h"

namespace mlxocr::text {

namespace fs = std::filesystem;
using nlohmann::json;

// ----- The byte alphabet ------------------------------------------------------------------------

namespace {

constexpr bool stands_for_itself(int b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

constexpr std::array<char32_t, 256> make_byte_chars() {
  std::array<char32_t, 256> chars{};
  char32_t next = 0x100;
  for (int b = 0; b < 256; ++b)
    chars[b] = stands_for_itself(b) ? char32_t(b) : next++;
  return chars;
}

constexpr std::array<char32_t, 256> kByteChars = make_byte_chars();
constexpr char32_t kLastByteChar = 0x100 + 67;  // 68 bytes do not stand for themselves

// Byte of an alphabet character, or -1.
int char_to_byte(char32_t cp) {
  static const std::array<int, kLastByteChar + 1> table = [] {
    std::array<int, kLastByteChar + 1> t{};
    t.fill(-1);
    for (int b = 0; b < 256; ++b)
      t[kByteChars[b]] = b;
    return t;
  }();
  return cp <= kLastByteChar ? table[cp] : -1;
}

// A token made of alphabet characters stands for their bytes; any other token (an added token
// such as "é") for its own UTF-8, as the ByteLevel decoder of tokenizers does.
std::string raw_bytes(const std::string& token) {
  std::string bytes;
  for (size_t pos = 0; pos < token.size();) {
    const int b = char_to_byte(unicode::next_codepoint(token, pos));
    if (b < 0) return token;
    bytes += static_cast<char>(b);
  }
  return bytes;
}

std::string byte_string(unsigned char byte) {
  std::string s;
  unicode::append_utf8(s, kByteChars[byte]);
  return s;
}

}  // namespace

char32_t byte_to_char(unsigned char byte) {
  return kByteChars[byte];
}

// ----- Pre-tokenisation -------------------------------------------------------------------------

std::vector<std::string_view> gpt2_pre_tokenize(std::string_view text) {
  std::vector<char32_t> cps;
  std::vector<size_t> offsets;  // byte offset of every character, and the end
  for (size_t pos = 0; pos < text.size();) {
    offsets.push_back(pos);
    cps.push_back(unicode::next_codepoint(text, pos));
  }
  offsets.push_back(text.size());
  const size_t n = cps.size();

  auto letter = [&](size_t i) { return unicode::is_letter(cps[i]); };
  auto number = [&](size_t i) { return unicode::is_number(cps[i]); };
  auto space = [&](size_t i) { return unicode::is_regex_space(cps[i]); };
  auto other = [&](size_t i) { return !space(i) && !letter(i) && !number(i); };

  std::vector<std::string_view> pieces;
  auto emit = [&](size_t begin, size_t end) {
    pieces.push_back(text.substr(offsets[begin], offsets[end] - offsets[begin]));
  };
  // " ?X+" for a class X: the run starting at i, or at i + 1 after one ASCII space.
  auto run_of = [&](size_t i, auto&& in_class) -> size_t {
    size_t start = i;
    if (cps[i] == U' ' && i + 1 < n && in_class(i + 1)) {
      start = i + 1;
    } else if (!in_class(i)) {
      return 0;
    }
    size_t end = start;
    while (end < n && in_class(end))
      ++end;
    return end;
  };

  for (size_t i = 0; i < n;) {
    // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive)
    if (cps[i] == U'\'' && i + 1 < n) {
      const char32_t a = cps[i + 1];
      const char32_t b = i + 2 < n ? cps[i + 2] : 0;
      size_t len = 0;
      if (a == U's' || a == U't' || a == U'm' || a == U'd') {
        len = 2;
      } else if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l')) {
        len = 3;
      }
      if (len > 0) {
        emit(i, i + len);
        i += len;
        continue;
      }
    }
    size_t end = run_of(i, letter);
    if (end == 0) end = run_of(i, number);
    if (end == 0) end = run_of(i, other);
    if (end == 0) {
      // White space: \s+(?!\S) leaves the last space of a run for the word after it; \s+ takes a
      // lone space before a word.
      end = i;
      while (end < n && space(end))
        ++end;
      if (end < n && end - i >= 2) --end;
    }
    emit(i, end);
    i = end;
  }
  return pieces;
}

// ----- The tokenizer ----------------------------------------------------------------------------

namespace {

struct BpeModel {
  std::unordered_map<std::string, int> vocab;
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
  std::string unk_token;                                    // model.unk_token, "" for none
  bool fuse_unk = false;
  bool ignore_merges = false;
};

struct Template {
  std::vector<int> prefix, suffix;  // ids around the text when add_special_tokens
};

class ByteLevelBpe final : public Tokenizer {
 public:
  ByteLevelBpe(const std::string& source, BpeModel model, const TokenizerFiles& files,
               std::vector<AddedToken> added, bool add_prefix_space, bool use_regex,
               std::optional<Template> post_processor);

  std::vector<int> encode(std::string_view text, bool add_special_tokens) const override;
  std::string decode(const std::vector<int>& ids, bool skip_special_tokens) const override;
  int vocab_size() const override { return vocab_size_; }
  std::string kind() const override { return "byte-level BPE"; }
  std::string id_to_token(int id) const override;
  std::string token_bytes(int id) const override;

 private:
  struct Merge {
    int rank;
    int merged;
  };
  static uint64_t pair_key(int left, int right) {
    return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
  }
  // Appends the ids of one pre-tokenised piece (raw bytes).
  void encode_piece(std::string_view piece, std::vector<int>& out) const;
  void merge(std::vector<int>& symbols) const;

  std::unordered_map<std::string, int> vocab_;
  std::unordered_map<int, std::string> tokens_;  // by id (a map: ids need not be dense)
  std::unordered_map<uint64_t, Merge> merges_;
  std::array<int, 256> byte_ids_{};  // id of each byte's alphabet character, or -1
  int model_unk_ = -1;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  bool add_prefix_space_ = false;
  bool use_regex_ = true;
  Template template_;
  AddedTokenSplitter splitter_;
  int vocab_size_ = 0;

  static constexpr size_t kCacheCapacity = 10000;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int>> cache_;
};

ByteLevelBpe::ByteLevelBpe(const std::string& source, BpeModel model, const TokenizerFiles& files,
                           std::vector<AddedToken> added, bool add_prefix_space, bool use_regex,
                           std::optional<Template> post_processor)
    : vocab_(std::move(model.vocab)),
      fuse_unk_(model.fuse_unk),
      ignore_merges_(model.ignore_merges),
      add_prefix_space_(add_prefix_space),
      use_regex_(use_regex) {
  tokens_.reserve(vocab_.size());
  for (const auto& [token, id] : vocab_)
    tokens_[id] = token;

  for (size_t rank = 0; rank < model.merges.size(); ++rank) {
    const auto& [left, right] = model.merges[rank];
    auto l = vocab_.find(left), r = vocab_.find(right), m = vocab_.find(left + right);
    if (l == vocab_.end() || r == vocab_.end() || m == vocab_.end()) {
      throw TokenizerError(source + ": merge " + std::to_string(rank + 1) + " (\"" + left +
                           "\" \"" + right + "\") " +
                           (m == vocab_.end() && l != vocab_.end() && r != vocab_.end()
                                ? "makes a token that is not in the vocabulary"
                                : "uses a token that is not in the vocabulary"));
    }
    merges_[pair_key(l->second, r->second)] = {static_cast<int>(rank), m->second};
  }
  for (int b = 0; b < 256; ++b) {
    auto it = vocab_.find(byte_string(static_cast<unsigned char>(b)));
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
  if (!model.unk_token.empty()) {
    auto it = vocab_.find(model.unk_token);
    if (it == vocab_.end()) {
      throw TokenizerError(source + ": the model's unk_token \"" + model.unk_token +
                           "\" is not in the vocabulary");
    }
    model_unk_ = it->second;
  }

  std::map<std::string, std::string> defaults;
  const bool gpt2 = files.tokenizer_class.rfind("GPT2", 0) == 0;
  if (gpt2) {
    defaults = {{"bos_token", "<|endoftext|>"},
                {"eos_token", "<|endoftext|>"},
                {"unk_token", "<|endoftext|>"}};
  } else {
    defaults = {{"bos_token", "<s>"},    {"eos_token", "</s>"},  {"sep_token", "</s>"},
                {"cls_token", "<s>"},    {"unk_token", "<unk>"}, {"pad_token", "<pad>"},
                {"mask_token", "<mask>"}};
  }
  ResolvedTokens resolved =
      resolve_tokens(files, std::move(added), defaults, [this](std::string_view token) {
        auto it = vocab_.find(std::string(token));
        return it == vocab_.end() ? -1 : it->second;
      });
  special_ = resolved.ids;
  special_ids_ = resolved.special_ids;
  clean_up_tokenization_spaces_ = files.clean_up_tokenization_spaces.value_or(false);

  vocab_size_ = static_cast<int>(vocab_.size());
  for (const AddedToken& t : resolved.added) {
    if (t.id < 0) continue;
    if (!vocab_.count(t.content)) ++vocab_size_;
  }
  splitter_ = AddedTokenSplitter(std::move(resolved.added), StripStyle::kRustWhitespace);

  if (post_processor) {
    template_ = *post_processor;
  } else if (gpt2) {
    if (files.add_bos_token.value_or(false) && special_.bos >= 0) template_.prefix = {special_.bos};
  } else {
    if (special_.cls >= 0) template_.prefix = {special_.cls};
    if (special_.sep >= 0) template_.suffix = {special_.sep};
  }
}

std::string ByteLevelBpe::id_to_token(int id) const {
  if (const AddedToken* t = splitter_.find_id(id)) return t->content;
  auto it = tokens_.find(id);
  if (it == tokens_.end()) {
    throw TokenizerError("token id " + std::to_string(id) + " is not in the vocabulary (" +
                         std::to_string(vocab_size_) + " tokens)");
  }
  return it->second;
}

void ByteLevelBpe::merge(std::vector<int>& symbols) const {
  // Lowest rank first, leftmost first among equals, as tokenizers' Word::merge_all does.
  struct Candidate {
    int rank;
    size_t pos;
    int left, right;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  const size_t n = symbols.size();
  std::vector<size_t> next(n), prev(n);
  std::vector<bool> alive(n, true);
  for (size_t i = 0; i < n; ++i)
    next[i] = i + 1, prev[i] = i - 1;  // prev[0] wraps: unused
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  auto consider = [&](size_t pos) {
    if (pos >= n || next[pos] >= n) return;
    auto it = merges_.find(pair_key(symbols[pos], symbols[next[pos]]));
    if (it != merges_.end()) {
      queue.push({it->second.rank, pos, symbols[pos], symbols[next[pos]]});
    }
  };
  for (size_t i = 0; i + 1 < n; ++i)
    consider(i);
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    if (!alive[c.pos] || symbols[c.pos] != c.left || next[c.pos] >= n ||
        symbols[next[c.pos]] != c.right) {
      continue;  // stale: one side merged since
    }
    const size_t right = next[c.pos];
    symbols[c.pos] = merges_.at(pair_key(c.left, c.right)).merged;
    alive[right] = false;
    next[c.pos] = next[right];
    if (next[right] < n) prev[next[right]] = c.pos;
    if (c.pos > 0) consider(prev[c.pos]);
    consider(c.pos);
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (alive[i]) symbols[out++] = symbols[i];
  }
  symbols.resize(out);
}

void ByteLevelBpe::encode_piece(std::string_view piece, std::vector<int>& out) const {
  const std::string key(piece);
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int> symbols;
  std::string mapped;  // the piece in the byte alphabet
  for (char c : piece)
    unicode::append_utf8(mapped, kByteChars[static_cast<unsigned char>(c)]);
  auto whole = ignore_merges_ ? vocab_.find(mapped) : vocab_.end();
  if (whole != vocab_.end()) {
    symbols.push_back(whole->second);
  } else {
    for (char c : piece) {
      const int id = byte_ids_[static_cast<unsigned char>(c)];
      if (id >= 0) {
        symbols.push_back(id);
      } else if (model_unk_ >= 0 &&
                 !(fuse_unk_ && !symbols.empty() && symbols.back() == model_unk_)) {
        symbols.push_back(model_unk_);
      }
      // Without an unk token the fast tokenizer drops a byte it has no token for; so do we.
    }
    merge(symbols);
  }
  out.insert(out.end(), symbols.begin(), symbols.end());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() >= kCacheCapacity) cache_.clear();
  cache_.emplace(key, std::move(symbols));
}

std::vector<int> ByteLevelBpe::encode(std::string_view text, bool add_special_tokens) const {
  if (size_t bad = unicode::find_invalid_utf8(text); bad != unicode::kValid) {
    throw TokenizerError("text to tokenize is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  std::vector<int> ids;
  if (add_special_tokens) ids = template_.prefix;
  std::string prefixed;
  for (const Segment& segment : splitter_.split(text)) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
      continue;
    }
    std::string_view part = segment.text;
    // The fast tokenizer's ByteLevel pre-tokeniser adds the space to every piece of text between
    // added tokens that does not start with one.
    if (add_prefix_space_ && part.front() != ' ') {
      prefixed.assign(1, ' ');
      prefixed += part;
      part = prefixed;
    }
    if (use_regex_) {
      for (std::string_view piece : gpt2_pre_tokenize(part))
        encode_piece(piece, ids);
    } else {
      encode_piece(part, ids);
    }
  }
  if (add_special_tokens) ids.insert(ids.end(), template_.suffix.begin(), template_.suffix.end());
  return ids;
}

std::string ByteLevelBpe::token_bytes(int id) const {
  return is_special_id(id) ? std::string() : raw_bytes(id_to_token(id));
}

std::string ByteLevelBpe::decode(const std::vector<int>& ids, bool skip_special_tokens) const {
  std::string bytes;
  for (int id : ids) {
    if (skip_special_tokens && is_special_id(id)) continue;
    bytes += raw_bytes(id_to_token(id));
  }
  std::string text = unicode::to_valid_utf8(bytes);
  return clean_up_tokenization_spaces_ ? clean_up_tokenization(std::move(text)) : text;
}

// ----- Loading ----------------------------------------------------------------------------------

std::unordered_map<std::string, int> parse_vocab(const json& vocab, const std::string& where) {
  if (!vocab.is_object()) throw TokenizerError(where + ": the vocabulary must map tokens to ids");
  std::unordered_map<std::string, int> out;
  out.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<long long>() < 0 ||
        id.get<long long>() >= kMaxVocabularyIds) {
      throw TokenizerError(where + ": the id of token \"" + token +
                           "\" is not an integer from 0 to " +
                           std::to_string(kMaxVocabularyIds - 1));
    }
    if (token.empty() || unicode::find_invalid_utf8(token) != unicode::kValid) {
      throw TokenizerError(where + ": token " + std::to_string(id.get<int>()) +
                           " is empty or not valid UTF-8");
    }
    out[token] = id.get<int>();
  }
  if (out.empty()) throw TokenizerError(where + ": the vocabulary is empty");
  return out;
}

std::pair<std::string, std::string> split_merge_line(std::string_view line,
                                                     const std::string& where) {
  const size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 == line.size() ||
      line.find(' ', space + 1) != std::string_view::npos) {
    throw TokenizerError(where + ": expected two tokens separated by one space, got \"" +
                         std::string(line.substr(0, 80)) + "\"");
  }
  return {std::string(line.substr(0, space)), std::string(line.substr(space + 1))};
}

const json& member(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) throw TokenizerError(where + ": missing \"" + key + "\"");
  return *it;
}

std::string type_of(const json& component) {
  if (!component.is_object()) return "";
  auto it = component.find("type");
  return it != component.end() && it->is_string() ? it->get<std::string>() : "";
}

// A post-processor's token: ["<s>", 0] (RobertaProcessing) or its TemplateProcessing entry.
int processor_token(const json& value, const std::string& where) {
  if (!value.is_array() || value.size() != 2 || !value[1].is_number_integer()) {
    throw TokenizerError(where + ": expected [\"token\", id]");
  }
  return value[1].get<int>();
}

// The ids add_special_tokens puts around a single text, from tokenizer.json's post_processor.
std::optional<Template> parse_post_processor(const json& processor, const std::string& file) {
  const std::string where = file + ": post_processor";
  if (processor.is_null()) return Template{};
  const std::string type = type_of(processor);
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    Template t;
    t.prefix = {processor_token(member(processor, "cls", where), where + ".cls")};
    t.suffix = {processor_token(member(processor, "sep", where), where + ".sep")};
    return t;
  }
  if (type == "ByteLevel") return Template{};
  if (type == "TemplateProcessing") {
    const json& single = member(processor, "single", where);
    const json& tokens = member(processor, "special_tokens", where);
    if (!single.is_array()) throw TokenizerError(where + ".single: expected a list");
    Template t;
    bool after_sequence = false;
    for (const json& piece : single) {
      if (piece.contains("Sequence")) {
        after_sequence = true;
        continue;
      }
      auto special = piece.find("SpecialToken");
      if (special == piece.end() || !special->contains("id")) {
        throw TokenizerError(where + ".single: unknown entry " + piece.dump());
      }
      const std::string name = (*special)["id"].get<std::string>();
      auto entry = tokens.find(name);
      if (entry == tokens.end() || !entry->contains("ids") || !(*entry)["ids"].is_array()) {
        throw TokenizerError(where + ".special_tokens: no ids for \"" + name + "\"");
      }
      for (const json& id : (*entry)["ids"]) {
        if (!id.is_number_integer()) throw TokenizerError(where + ": ids must be integers");
        (after_sequence ? t.suffix : t.prefix).push_back(id.get<int>());
      }
    }
    return t;
  }
  if (type == "Sequence") {
    Template t;
    for (const json& p : member(processor, "processors", where)) {
      std::optional<Template> part = parse_post_processor(p, file);
      t.prefix.insert(t.prefix.end(), part->prefix.begin(), part->prefix.end());
      t.suffix.insert(t.suffix.end(), part->suffix.begin(), part->suffix.end());
    }
    return t;
  }
  throw TokenizerError(where + ": type \"" + type + "\" is not supported");
}

bool known_class_defaults_to_no_prefix_space(const std::string& cls) {
  for (const char* prefix : {"Roberta", "GPT2", "Bart", "Longformer", "Blenderbot", "Led"}) {
    if (cls.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Tokenizer> load_bpe_tokenizer_json(const TokenizerFiles& files,
                                                   TransformersVersion target) {
  const fs::path path = files.folder / "tokenizer.json";
  const std::string file = path.string();
  const json doc = read_json_file(path, kMaxVocabularyBytes);
  try {
    if (!doc.is_object()) throw TokenizerError(file + ": expected a JSON object");
    const json& model_json = member(doc, "model", file);
    const std::string model_type = type_of(model_json);
    if (model_type != "BPE" && !(model_type.empty() && model_json.contains("merges"))) {
      throw TokenizerError(file + ": model type \"" + model_type +
                           "\" is not supported (tokenizer.json must hold a byte-level BPE; a "
                           "SentencePiece tokenizer needs its sentencepiece.bpe.model)");
    }
    auto normalizer = doc.find("normalizer");
    if (normalizer != doc.end() && !normalizer->is_null()) {
      throw TokenizerError(file + ": normalizer \"" + type_of(*normalizer) +
                           "\" is not supported (byte-level BPE tokenizers have none)");
    }
    // The pre-tokeniser must be ByteLevel, possibly alone in a Sequence.
    const json* byte_level = nullptr;
    auto pre = doc.find("pre_tokenizer");
    if (pre != doc.end() && type_of(*pre) == "ByteLevel") {
      byte_level = &*pre;
    } else if (pre != doc.end() && type_of(*pre) == "Sequence" &&
               member(*pre, "pretokenizers", file).size() == 1 &&
               type_of((*pre)["pretokenizers"][0]) == "ByteLevel") {
      byte_level = &(*pre)["pretokenizers"][0];
    }
    if (byte_level == nullptr) {
      throw TokenizerError(file + ": pre_tokenizer must be ByteLevel (a byte-level BPE), got " +
                           (pre == doc.end() ? std::string("none") : pre->dump().substr(0, 120)));
    }
    auto decoder = doc.find("decoder");
    if (decoder != doc.end() && !decoder->is_null() && type_of(*decoder) != "ByteLevel") {
      throw TokenizerError(file + ": decoder \"" + type_of(*decoder) + "\" is not supported");
    }

    BpeModel model;
    model.vocab = parse_vocab(member(model_json, "vocab", file), file + ": model.vocab");
    const json& merges = member(model_json, "merges", file);
    if (!merges.is_array()) throw TokenizerError(file + ": model.merges must be a list");
    for (size_t i = 0; i < merges.size(); ++i) {
      const json& m = merges[i];
      const std::string where = file + ": model.merges[" + std::to_string(i) + "]";
      if (m.is_string()) {
        model.merges.push_back(split_merge_line(m.get<std::string>(), where));
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        model.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
      } else {
        throw TokenizerError(where + ": expected \"a b\" or [\"a\", \"b\"]");
      }
    }
    auto text_option = [&](const char* key) {
      auto it = model_json.find(key);
      return it == model_json.end() || it->is_null() ? std::string() : it->get<std::string>();
    };
    if (!text_option("continuing_subword_prefix").empty() ||
        !text_option("end_of_word_suffix").empty()) {
      throw TokenizerError(file + ": BPE with a subword prefix or word suffix is not supported");
    }
    auto dropout = model_json.find("dropout");
    if (dropout != model_json.end() && !dropout->is_null() && dropout->get<double>() != 0.0) {
      throw TokenizerError(file + ": BPE dropout is not supported");
    }
    if (model_json.value("byte_fallback", false)) {
      throw TokenizerError(file + ": byte_fallback BPE is not supported");
    }
    model.unk_token = text_option("unk_token");
    model.fuse_unk = model_json.value("fuse_unk", false);
    model.ignore_merges = model_json.value("ignore_merges", false);

    std::vector<AddedToken> added;
    auto added_json = doc.find("added_tokens");
    if (added_json != doc.end() && !added_json->is_null()) {
      if (!added_json->is_array()) throw TokenizerError(file + ": added_tokens must be a list");
      for (const json& t : *added_json) {
        const std::string where = file + ": added_tokens";
        AddedToken token = parse_added_token(t, where);
        auto id = t.find("id");
        if (id == t.end() || !id->is_number_integer() || id->get<long long>() < 0 ||
            id->get<long long>() >= kMaxVocabularyIds) {
          throw TokenizerError(where + ": \"" + token.content + "\" needs an id");
        }
        token.id = id->get<int>();
        added.push_back(std::move(token));
      }
    }

    // Whose add_prefix_space counts (tests/fixtures/stacks/*/prefix_space.json): transformers
    // 4's PreTrainedTokenizerFast.__init__ imposes tokenizer_config.json's (default false) on the
    // pre-tokeniser in every fast class; transformers 5 does so only in the RoBERTa/GPT-2 family,
    // and a plain TokenizersBackend keeps tokenizer.json's whatever the config says.
    bool add_prefix_space = byte_level->value("add_prefix_space", false);
    if (target == TransformersVersion::k4 ||
        known_class_defaults_to_no_prefix_space(files.tokenizer_class)) {
      add_prefix_space = files.add_prefix_space.value_or(false);
    }
    const bool use_regex = byte_level->value("use_regex", true);
    std::optional<Template> post;
    auto processor = doc.find("post_processor");
    post = parse_post_processor(processor == doc.end() ? json() : *processor, file);
    return std::make_unique<ByteLevelBpe>(file, std::move(model), files, std::move(added),
                                          add_prefix_space, use_regex, post);
  } catch (const json::exception& e) {
    throw TokenizerError(file + ": unexpected content (" + e.what() + ")");
  }
}

std::unique_ptr<Tokenizer> load_bpe_vocab_merges(const TokenizerFiles& files) {
  const fs::path vocab_path = files.folder / "vocab.json";
  const fs::path merges_path = files.folder / "merges.txt";
  BpeModel model;
  model.vocab = parse_vocab(read_json_file(vocab_path, kMaxVocabularyBytes), vocab_path.string());
  const std::string merges = read_file(merges_path, kMaxVocabularyBytes);
  size_t line_no = 0;
  for (size_t pos = 0; pos < merges.size();) {
    size_t end = merges.find('\n', pos);
    if (end == std::string::npos) end = merges.size();
    std::string_view line(merges.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.rfind("#version", 0) == 0) continue;
    if (line.empty() && pos >= merges.size()) break;  // the final newline
    const std::string where = merges_path.string() + ": line " + std::to_string(line_no);
    if (unicode::find_invalid_utf8(line) != unicode::kValid) {
      throw TokenizerError(where + ": not valid UTF-8");
    }
    model.merges.push_back(split_merge_line(line, where));
  }
  bool add_prefix_space = files.add_prefix_space.value_or(false);
  return std::make_unique<ByteLevelBpe>(merges_path.string(), std::move(model), files,
                                        std::vector<AddedToken>{}, add_prefix_space, true,
                                        std::nullopt);
}

}  // namespace mlxocr::text
