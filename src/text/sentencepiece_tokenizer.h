// SentencePiece in the XLM-R layout (microsoft/trocr-small-*), through the sentencepiece library,
// with the semantics of transformers' slow XLMRobertaTokenizer.
#pragma once

#include <memory>

#include "text/tokenizer.h"
#include "text/tokenizer_files.h"

namespace mlxocr::text {

// From sentencepiece.bpe.model in `files.folder`. The fairseq layout: <s>=0 <pad>=1 </s>=2
// <unk>=3, SentencePiece id i -> i + 1 (its <unk>, id 0, -> 3), <mask> = the last id.
std::unique_ptr<Tokenizer> load_xlmr_sentencepiece(const TokenizerFiles& files);

}  // namespace mlxocr::text
