// Tokenizers of TrOCR checkpoints: byte-level BPE (RoBERTa / GPT-2 layout, microsoft/trocr-base-*)
// and SentencePiece in the XLM-R layout (microsoft/trocr-small-*). Both give the ids and the text
// transformers gives: encode() is tokenizer(text).input_ids, decode() is tokenizer.decode(...).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mlxocr {

// Ids of the special tokens; -1 where the tokenizer has none.
struct SpecialTokenIds {
  int bos = -1;
  int eos = -1;
  int pad = -1;
  int unk = -1;
  int cls = -1;  // put in front by encode(add_special_tokens=true); <s> in both layouts
  int sep = -1;  // put at the end; </s> in both layouts
  int mask = -1;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Token ids as transformers' tokenizer(text).input_ids gives them: <s> ... </s> around the text
  // when add_special_tokens. Special-token strings inside the text ("<s>") become their ids, as in
  // transformers. Throws TokenizerError when `text` is not valid UTF-8.
  virtual std::vector<int> encode(std::string_view text, bool add_special_tokens = true) const = 0;

  // As tokenizer.decode(ids, skip_special_tokens=..., clean_up_tokenization_spaces=<the setting
  // below>). Always valid UTF-8: a character cut by the end of `ids` becomes U+FFFD, as in Python.
  // Throws TokenizerError for an id outside the vocabulary.
  virtual std::string decode(const std::vector<int>& ids,
                             bool skip_special_tokens = true) const = 0;

  // len(tokenizer): the vocabulary with the added tokens.
  virtual int vocab_size() const = 0;

  // "byte-level BPE" or "SentencePiece (XLM-R)".
  virtual std::string kind() const = 0;

  // The vocabulary's string for an id (byte-level alphabet with "Ġ" for a space, or SentencePiece's
  // "▁"), as convert_ids_to_tokens gives it. Throws TokenizerError for an id outside the
  // vocabulary.
  virtual std::string id_to_token(int id) const = 0;

  // The bytes token `id` adds to the text when it is not the first token decoded (a byte-level
  // token may hold part of a UTF-8 character; SentencePiece's "▁" is a space): what constrained
  // decoding appends to test a token. "" for the ids decode(skip_special_tokens=true) drops.
  virtual std::string token_bytes(int id) const = 0;

  const SpecialTokenIds& special_token_ids() const { return special_; }
  int bos_token_id() const { return special_.bos; }
  int eos_token_id() const { return special_.eos; }
  int pad_token_id() const { return special_.pad; }
  int unk_token_id() const { return special_.unk; }

  // Whether decode(skip_special_tokens=true) drops this id.
  bool is_special_id(int id) const;

  // transformers' clean_up_tokenization_spaces (from tokenizer_config.json; false when absent, the
  // default of transformers 4.45+): decode() then turns " ." into "." etc.
  bool clean_up_tokenization_spaces() const { return clean_up_tokenization_spaces_; }
  void set_clean_up_tokenization_spaces(bool on) { clean_up_tokenization_spaces_ = on; }

 protected:
  SpecialTokenIds special_;
  std::vector<int> special_ids_;  // sorted: every id decode(skip_special_tokens=true) drops
  bool clean_up_tokenization_spaces_ = false;
};

// transformers' PreTrainedTokenizerBase.clean_up_tokenization: " ." -> ".", " n't" -> "n't", ...
std::string clean_up_tokenization(std::string text);

// Whose default tokenizer to follow where transformers' versions part: a SentencePiece model
// trained as BPE and saved without tokenizer.json is converted to a BPE tokenizer by transformers
// 4 and read as a Unigram model over the same pieces and scores by transformers 5 ("000", "ated"
// then split differently); and a plain PreTrainedTokenizerFast's add_prefix_space (4 imposes
// tokenizer_config.json's or false on tokenizer.json's, 5 keeps tokenizer.json's).
enum class TransformersVersion { k4 = 4, k5 = 5 };
// The MLXOCR_TRANSFORMERS environment variable ("4" or "5"); 5, the current release, when unset.
// Throws UsageError for another value.
TransformersVersion transformers_target();

// Loads whatever tokenizer files a model folder holds: sentencepiece.bpe.model (XLM-R layout),
// tokenizer.json (byte-level BPE) or vocab.json + merges.txt, with the special tokens of
// special_tokens_map.json, tokenizer_config.json and the added tokens (tokenizer.json's
// "added_tokens", tokenizer_config.json's "added_tokens_decoder", added_tokens.json). Throws
// TokenizerError naming the folder and the files looked for when there are none, and naming the
// file when one is malformed. `target` matters for a SentencePiece model (see above) and for a
// byte-level BPE's add_prefix_space when tokenizer_config.json does not set it
// (byte_level_bpe.h).
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& model_dir,
                                          TransformersVersion target = transformers_target());

}  // namespace mlxocr
