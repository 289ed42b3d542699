// Confidences of a recognized line and of its words, from the per-token log-probabilities that
// generate() returns (log-softmax of the raw model logits at each chosen token).
#pragma once

#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace mlxocr {

struct WordConfidence {
  std::string text;
  double confidence = 0.0;
  size_t tokens = 0;  // how many tokens make it up (calibration, pipeline/calibration.h)
};

// The whitespace-separated words of `text`, as Python's str.split() cuts them.
std::vector<std::string> split_words(const std::string& text);

// exp(mean token log-probability), EOS included: a geometric mean of the token probabilities, so
// 1 means the model was sure of every token and one doubtful character pulls it down visibly.
// 0 for no tokens.
double line_confidence(const std::vector<float>& token_logprobs);

// The words of tokenizer.decode(token_ids) -- its whitespace-separated pieces, as Python's
// str.split() cuts them -- each with exp(mean log-probability of the tokens that make it up).
// Which tokens make up a word is read off the decoded text itself, so it holds for byte-level
// BPE and SentencePiece alike: token i covers the characters that decoding token_ids[0..i] adds
// to decoding token_ids[0..i-1]. A token whose text holds a space and a word's start ("Ġword",
// "▁word") belongs to that word; a token that adds nothing yet (the first bytes of a character
// split over several byte-level tokens) belongs to the word of the token that completes it; a
// token spanning two words counts in both; special tokens (EOS) belong to no word.
std::vector<WordConfidence> word_confidences(const Tokenizer& tokenizer,
                                             const std::vector<int>& token_ids,
                                             const std::vector<float>& token_logprobs);

}  // namespace mlxocr
