// Byte-level BPE (GPT-2 / RoBERTa; microsoft/trocr-base-* use RoBERTa's), with the semantics of
// transformers' RobertaTokenizerFast, the tokenizer AutoTokenizer and TrOCRProcessor load.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer.h"
#include "text/tokenizer_files.h"

namespace mlxocr::text {

// From tokenizer.json (model.type "BPE" with a ByteLevel pre-tokeniser). `target` decides whose
// add_prefix_space counts: transformers 4 imposes tokenizer_config.json's (default false) on
// tokenizer.json's pre-tokeniser in every fast class; transformers 5 only in the RoBERTa / GPT-2
// family, a plain PreTrainedTokenizerFast (TokenizersBackend) keeping tokenizer.json's.
std::unique_ptr<Tokenizer> load_bpe_tokenizer_json(const TokenizerFiles& files,
                                                   TransformersVersion target);

// From vocab.json + merges.txt, as the slow tokenizer's files (converted to the fast tokenizer the
// way transformers converts them).
std::unique_ptr<Tokenizer> load_bpe_vocab_merges(const TokenizerFiles& files);

// The GPT-2 pre-tokenisation regex,
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// as findall applies it to well-formed UTF-8 text: the pieces, in order, covering all of it.
std::vector<std::string_view> gpt2_pre_tokenize(std::string_view text);

// GPT-2's byte <-> character alphabet: printable Latin-1 bytes stand for themselves, the others
// for U+0100 onwards (a space is "Ġ", U+0120). Returns the character of a byte.
char32_t byte_to_char(unsigned char byte);

}  // namespace mlxocr::text
