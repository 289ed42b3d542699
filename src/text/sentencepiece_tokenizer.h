// SentencePiece in the XLM-R layout (microsoft/trocr-small-*), through the sentencepiece library,
// with the semantics of the tokenizer transformers loads by default (the fast one in 4, the only
// one in 5): the model's encoding, the Metaspace decoder's decoding.
#pragma once

#include <memory>

#include "text/tokenizer.h"
#include "text/tokenizer_files.h"

namespace mlxocr::text {

// From sentencepiece.bpe.model in `files.folder`. The fairseq layout: <s>=0 <pad>=1 </s>=2
// <unk>=3, SentencePiece id i -> i + 1 (its <unk>, id 0, -> 3), <mask> = the last id. With
// `as_unigram` a model trained as BPE is run as a Unigram model over its pieces and scores, as
// transformers 5 converts it.
std::unique_ptr<Tokenizer> load_xlmr_sentencepiece(const TokenizerFiles& files, bool as_unigram);

// From tokenizer.json alone, as transformers 5 saves an XLM-R tokenizer (no .model file): a
// Unigram model in the fairseq layout (<s> <pad> </s> <unk> first, <mask> last) with a Precompiled
// normaliser (or none) and the Metaspace pre-tokeniser, run by the sentencepiece library as the
// Unigram model it is. Throws TokenizerError naming the file for any other layout.
std::unique_ptr<Tokenizer> load_xlmr_unigram_json(const TokenizerFiles& files);

}  // namespace mlxocr::text
