#include "text/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>
#include <algorithm>
#include <set>

#include "core/file_util.h"
#include "mlxocr/error.h"
#include "text/added_tokens.h"
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

std::string XlmrSentencePiece::decode(const std::vector<int>& ids, bool skip_special_tokens) const {
  // PreTrainedTokenizer._decode: runs of model tokens become text through
  // convert_tokens_to_string ("".join, "▁" -> " ", strip()); an added token that is not special
  // stands alone; the parts are joined with spaces (spaces_between_special_tokens).
  auto tokens_to_string = [](const std::string& joined) {
    std::string out;
    out.reserve(joined.size());
    for (size_t pos = 0; pos < joined.size();) {
      if (joined.compare(pos, kSpaceMarker.size(), kSpaceMarker) == 0) {
        out += ' ';
        pos += kSpaceMarker.size();
      } else {
        out += joined[pos++];
      }
    }
    return std::string(unicode::python_strip(out));
  };
  std::vector<std::string> parts;
  std::string run;
  bool in_run = false;
  for (int id : ids) {
    const std::string token = id_to_token(id);
    if (skip_special_tokens && (is_special_id(id) || special_strings_.count(token))) continue;
    // transformers' "legacy added tokens": added tokens that are not special, and special ones
    // past the model's vocabulary.
    const AddedToken* added = splitter_.find_id(id);
    if (added != nullptr && (!(added->special || special_strings_.count(token)) ||
                             id >= piece_count_ + kFairseqOffset + 1)) {
      if (in_run) {
        std::string s = tokens_to_string(run);
        if (!s.empty()) parts.push_back(std::move(s));
        run.clear();
        in_run = false;
      }
      parts.push_back(token);
    } else {
      run += token;
      in_run = true;
    }
  }
  if (in_run) parts.push_back(tokens_to_string(run));
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) text += ' ';
    text += parts[i];
  }
  // Pieces are whole characters, but a hand-made id list can still hold a broken one.
  text = unicode::to_valid_utf8(text);
  return clean_up_tokenization_spaces_ ? clean_up_tokenization(std::move(text)) : text;
}

}  // namespace

std::unique_ptr<Tokenizer> load_xlmr_sentencepiece(const TokenizerFiles& files) {
  const fs::path path = files.folder / "sentencepiece.bpe.model";
  const std::string file = path.string();
  const std::string data = read_file(path, kMaxModelBytes);
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

}  // namespace mlxocr::text
