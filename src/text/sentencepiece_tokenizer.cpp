#include "text/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>
#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/file_util.h"
#include "mlxocr/error.h"
#include "text/added_tokens.h"
#include "text/sentencepiece_proto.h"
#include "text/unicode.h"

namespace mlxocr::text {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581, SentencePiece's space

class XlmrSentencePiece final : public Tokenizer {
 public:
  XlmrSentencePiece(std::unique_ptr<sentencepiece::SentencePieceProcessor> processor,
                    const TokenizerFiles& files, const std::string& source);

  std::vector<int> encode(std::string_view text, bool add_special_tokens) const override;
  std::string decode(const std::vector<int>& ids, bool skip_special_tokens) const override;
  int vocab_size() const override { return vocab_size_; }
  std::string kind() const override { return "SentencePiece (XLM-R)"; }
  std::string id_to_token(int id) const override;
  std::string token_bytes(int id) const override;

 private:
  // XLMRobertaTokenizer._convert_token_to_id: the fairseq tokens, then SentencePiece id + 1, its
  // unknown piece (id 0) becoming <unk>.
  int piece_to_id(const std::string& piece) const;

  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  std::string source_;
  int piece_count_ = 0;
  std::vector<std::pair<std::string, int>> fairseq_;  // <s> <pad> </s> <unk> <mask>
  AddedTokenSplitter splitter_;
  std::set<std::string> special_strings_;
  int vocab_size_ = 0;
};

constexpr int kFairseqOffset = 1;

XlmrSentencePiece::XlmrSentencePiece(
    std::unique_ptr<sentencepiece::SentencePieceProcessor> processor, const TokenizerFiles& files,
    const std::string& source)
    : sp_(std::move(processor)), source_(source) {
  piece_count_ = sp_->GetPieceSize();
  fairseq_ = {{"<s>", 0}, {"<pad>", 1}, {"</s>", 2}, {"<unk>", 3}, {"<mask>", piece_count_ + 1}};
  const std::map<std::string, std::string> defaults = {
      {"bos_token", "<s>"},   {"eos_token", "</s>"},  {"sep_token", "</s>"},   {"cls_token", "<s>"},
      {"unk_token", "<unk>"}, {"pad_token", "<pad>"}, {"mask_token", "<mask>"}};
  ResolvedTokens resolved = resolve_tokens(files, {}, defaults, [this](std::string_view token) {
    const std::string piece(token);
    for (const auto& [name, id] : fairseq_) {
      if (name == piece) return id;
    }
    const int spm_id = sp_->PieceToId(piece);
    return spm_id > 0 ? spm_id + kFairseqOffset : -1;
  });
  special_ = resolved.ids;
  special_ids_ = resolved.special_ids;
  special_strings_.insert(resolved.special_strings.begin(), resolved.special_strings.end());
  clean_up_tokenization_spaces_ = files.clean_up_tokenization_spaces.value_or(false);
  vocab_size_ = piece_count_ + kFairseqOffset + 1;  // + <mask>
  for (const AddedToken& t : resolved.added) {
    if (t.id >= vocab_size_) vocab_size_ = t.id + 1;
  }
  splitter_ = AddedTokenSplitter(std::move(resolved.added), StripStyle::kPythonIsspace);
}

int XlmrSentencePiece::piece_to_id(const std::string& piece) const {
  if (const AddedToken* t = splitter_.find(piece)) return t->id;
  for (const auto& [name, id] : fairseq_) {
    if (name == piece) return id;
  }
  const int spm_id = sp_->PieceToId(piece);
  return spm_id > 0 ? spm_id + kFairseqOffset : special_.unk;
}

std::string XlmrSentencePiece::id_to_token(int id) const {
  if (const AddedToken* t = splitter_.find_id(id)) return t->content;
  for (const auto& [name, fairseq_id] : fairseq_) {
    if (fairseq_id == id) return name;
  }
  const int spm_id = id - kFairseqOffset;
  if (id < 0 || spm_id >= piece_count_) {
    throw TokenizerError("token id " + std::to_string(id) + " is not in the vocabulary (" +
                         std::to_string(vocab_size_) + " tokens)");
  }
  return sp_->IdToPiece(spm_id);
}

std::vector<int> XlmrSentencePiece::encode(std::string_view text, bool add_special_tokens) const {
  if (size_t bad = unicode::find_invalid_utf8(text); bad != unicode::kValid) {
    throw TokenizerError("text to tokenize is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  std::vector<int> ids;
  if (add_special_tokens && special_.cls >= 0) ids.push_back(special_.cls);
  std::vector<std::string> pieces;
  for (const Segment& segment : splitter_.split(text)) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
      continue;
    }
    pieces.clear();
    const auto status = sp_->Encode(segment.text, &pieces);
    if (!status.ok()) {
      throw TokenizerError(source_ +
                           ": SentencePiece cannot encode the text: " + status.ToString());
    }
    for (const std::string& piece : pieces)
      ids.push_back(piece_to_id(piece));
  }
  if (add_special_tokens && special_.sep >= 0) ids.push_back(special_.sep);
  return ids;
}

std::string XlmrSentencePiece::token_bytes(int id) const {
  const std::string token = id_to_token(id);
  if (is_special_id(id) || special_strings_.count(token)) return {};
  std::string text;
  for (size_t pos = 0; pos < token.size();) {
    if (token.compare(pos, kSpaceMarker.size(), kSpaceMarker) == 0) {
      text += ' ';
      pos += kSpaceMarker.size();
    } else {
      text += token[pos++];
    }
  }
  return text;
}

std::string XlmrSentencePiece::decode(const std::vector<int>& ids, bool skip_special_tokens) const {
  // The fast tokenizer's decode (what AutoTokenizer gives in transformers 4 and the only one in
  // 5): special tokens are dropped first, then the Metaspace decoder (prepend_scheme "always")
  // turns every "▁" into a space, except in the first remaining token, where it drops them;
  // nothing is stripped or joined with spaces (the slow tokenizer's decode did both: "▁", a
  // skipped <unk> and "▁" give " " here, "" there).
  std::string text;
  bool first = true;
  for (int id : ids) {
    const std::string token = id_to_token(id);
    if (skip_special_tokens && (is_special_id(id) || special_strings_.count(token))) continue;
    for (size_t pos = 0; pos < token.size();) {
      if (token.compare(pos, kSpaceMarker.size(), kSpaceMarker) == 0) {
        if (!first) text += ' ';
        pos += kSpaceMarker.size();
      } else {
        text += token[pos++];
      }
    }
    first = false;
  }
  // Pieces are whole characters, but a hand-made id list can still hold a broken one.
  text = unicode::to_valid_utf8(text);
  return clean_up_tokenization_spaces_ ? clean_up_tokenization(std::move(text)) : text;
}

}  // namespace

std::unique_ptr<Tokenizer> load_xlmr_sentencepiece(const TokenizerFiles& files, bool as_unigram) {
  const fs::path path = files.folder / "sentencepiece.bpe.model";
  const std::string file = path.string();
  std::string data = read_file(path, kMaxModelBytes);
  if (as_unigram && sentencepiece_model_type(data) != SentencePieceModelType::kUnigram) {
    std::optional<std::string> unigram = sentencepiece_as_unigram(data);
    if (!unigram)
      throw TokenizerError(file + ": not a valid SentencePiece model (malformed proto)");
    data = std::move(*unigram);
  }
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = processor->LoadFromSerializedProto(data);
  if (!status.ok()) {
    throw TokenizerError(file + ": not a valid SentencePiece model (" + status.ToString() + ")");
  }
  const int pieces = processor->GetPieceSize();
  if (pieces < 4 || pieces >= kMaxVocabularyIds) {
    throw TokenizerError(file + ": a SentencePiece model with " + std::to_string(pieces) +
                         " pieces does not fit the XLM-R layout");
  }
  if (!processor->IsUnknown(0)) {
    throw TokenizerError(file + ": piece 0 is \"" + processor->IdToPiece(0) +
                         "\", but the XLM-R layout needs <unk> there");
  }
  return std::make_unique<XlmrSentencePiece>(std::move(processor), files, file);
}

namespace {

using nlohmann::json;

// RFC 4648 base64 (tokenizer.json's precompiled_charsmap); std::nullopt for anything else.
std::optional<std::string> decode_base64(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t bits = 0;
  int count = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] != '='; ++i) {
    const int v = value(text[i]);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xff);
      out += static_cast<char>((bits >> 8) & 0xff);
      out += static_cast<char>(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  for (size_t j = i; j < text.size(); ++j) {
    if (text[j] != '=') return std::nullopt;
  }
  if (count == 1) return std::nullopt;
  if (count == 2) out += static_cast<char>((bits >> 4) & 0xff);
  if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xff);
    out += static_cast<char>((bits >> 2) & 0xff);
  }
  return out;
}

// The normaliser's precompiled character map ("" for none); TokenizerError for other normalisers.
std::string precompiled_charsmap(const json& doc, const std::string& file) {
  const auto normalizer = doc.find("normalizer");
  if (normalizer == doc.end() || normalizer->is_null()) return "";
  if (normalizer->is_object() && normalizer->value("type", "") == "Precompiled") {
    const auto map = normalizer->find("precompiled_charsmap");
    if (map == normalizer->end() || map->is_null()) return "";
    if (map->is_string()) {
      if (auto bytes = decode_base64(map->get<std::string>())) return *bytes;
    }
    throw TokenizerError(file + ": \"precompiled_charsmap\" is not base64 text");
  }
  throw TokenizerError(file + ": a Unigram tokenizer with the normalizer " +
                       normalizer->dump(-1).substr(0, 80) +
                       " is not supported (expected Precompiled or none)");
}

// The pre-tokeniser must end in Metaspace ("▁", prepended always), optionally after
// WhitespaceSplit: SentencePiece's own white-space handling.
void check_pre_tokenizer(const json& doc, const std::string& file) {
  const auto pre = doc.find("pre_tokenizer");
  bool ok = false;
  auto is_metaspace = [](const json& p) {
    return p.is_object() && p.value("type", "") == "Metaspace" &&
           p.value("replacement", "") == kSpaceMarker &&
           p.value("prepend_scheme", "always") != "never";
  };
  if (pre != doc.end() && pre->is_object()) {
    if (is_metaspace(*pre)) ok = true;
    if (pre->value("type", "") == "Sequence" && pre->contains("pretokenizers") &&
        (*pre)["pretokenizers"].is_array()) {
      const json& list = (*pre)["pretokenizers"];
      ok = !list.empty() && is_metaspace(list.back());
      for (size_t i = 0; ok && i + 1 < list.size(); ++i)
        ok = list[i].is_object() && list[i].value("type", "") == "WhitespaceSplit";
    }
  }
  if (!ok) {
    throw TokenizerError(file +
                         ": a Unigram tokenizer needs the Metaspace pre-tokenizer (\"▁\", "
                         "optionally after WhitespaceSplit); this one is not supported");
  }
}

}  // namespace

std::unique_ptr<Tokenizer> load_xlmr_unigram_json(const TokenizerFiles& files) {
  const fs::path path = files.folder / "tokenizer.json";
  const std::string file = path.string();
  const json doc = read_json_file(path, kMaxVocabularyBytes);
  if (!doc.is_object()) throw TokenizerError(file + ": expected a JSON object");
  const auto model = doc.find("model");
  if (model == doc.end() || !model->is_object() || model->value("type", "") != "Unigram") {
    throw TokenizerError(file + ": not a Unigram model");
  }
  if (model->value("byte_fallback", false)) {
    throw TokenizerError(file + ": Unigram with byte_fallback is not supported");
  }
  const auto vocab = model->find("vocab");
  if (vocab == model->end() || !vocab->is_array() || vocab->size() < 6 ||
      vocab->size() >= static_cast<size_t>(kMaxVocabularyIds)) {
    throw TokenizerError(file + ": the Unigram \"vocab\" must be a list of 6 to " +
                         std::to_string(kMaxVocabularyIds) + " [piece, score] pairs");
  }
  std::vector<std::pair<std::string, double>> entries;
  entries.reserve(vocab->size());
  for (const json& e : *vocab) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number()) {
      throw TokenizerError(file + ": a Unigram vocab entry must be [piece, score], got " +
                           e.dump(-1).substr(0, 60));
    }
    entries.emplace_back(e[0].get<std::string>(), e[1].get<double>());
  }
  // The fairseq layout: <s> <pad> </s> <unk> first, <mask> last, SentencePiece id i -> i + 1.
  const char* const head[] = {"<s>", "<pad>", "</s>", "<unk>"};
  for (int i = 0; i < 4; ++i) {
    if (entries[i].first != head[i]) {
      throw TokenizerError(file + ": vocab entry " + std::to_string(i) + " is \"" +
                           entries[i].first + "\", but the XLM-R layout needs \"" + head[i] +
                           "\" there");
    }
  }
  if (entries.back().first != "<mask>" || model->value("unk_id", 3) != 3) {
    throw TokenizerError(file + ": not in the XLM-R layout (<mask> last, unk_id 3)");
  }
  check_pre_tokenizer(doc, file);
  std::vector<SentencePieceEntry> pieces = {
      {"<unk>", 0.0f, 2}, {"<s>", 0.0f, 3}, {"</s>", 0.0f, 3}};
  for (size_t i = 4; i + 1 < entries.size(); ++i) {
    if (entries[i].first.empty() ||
        unicode::find_invalid_utf8(entries[i].first) != unicode::kValid) {
      throw TokenizerError(file + ": vocab entry " + std::to_string(i) +
                           " is empty or not valid UTF-8");
    }
    pieces.push_back({entries[i].first, static_cast<float>(entries[i].second), 1});
  }
  const std::string proto = unigram_sentencepiece_proto(pieces, precompiled_charsmap(doc, file));
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = processor->LoadFromSerializedProto(proto);
  if (!status.ok()) {
    throw TokenizerError(file + ": its Unigram model does not load (" + status.ToString() + ")");
  }
  TokenizerFiles with_added = files;
  const auto added = doc.find("added_tokens");
  if (added != doc.end() && added->is_array()) {
    for (const json& t : *added) {
      AddedToken token = parse_added_token(t, file + ": added_tokens");
      const auto id = t.find("id");
      if (id == t.end() || !id->is_number_integer() || id->get<long long>() < 0 ||
          id->get<long long>() >= kMaxVocabularyIds) {
        throw TokenizerError(file + ": added token \"" + token.content + "\" has no valid id");
      }
      token.id = id->get<int>();
      const bool known =
          std::any_of(with_added.added_tokens.begin(), with_added.added_tokens.end(),
                      [&](const AddedToken& a) { return a.content == token.content; });
      if (!known) with_added.added_tokens.push_back(std::move(token));
    }
  }
  return std::make_unique<XlmrSentencePiece>(std::move(processor), with_added, file);
}

}  // namespace mlxocr::text
