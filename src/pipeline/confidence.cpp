#include "pipeline/confidence.h"

#include <algorithm>
#include <cmath>

#include "text/unicode.h"

namespace mlxocr {

double line_confidence(const std::vector<float>& token_logprobs) {
  if (token_logprobs.empty()) return 0.0;
  double sum = 0.0;
  for (float lp : token_logprobs)
    sum += lp;
  return std::exp(sum / static_cast<double>(token_logprobs.size()));
}

namespace {

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Length of the common prefix of a and b, backed off to a character boundary of b.
size_t common_prefix(const std::string& a, const std::string& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n])
    ++n;
  while (n > 0 && n < b.size() && is_continuation_byte(b[n]))
    --n;
  return n;
}

struct Span {
  size_t begin = 0, end = 0;
};

// Byte spans of the whitespace-separated words of `text`.
std::vector<Span> word_spans(const std::string& text) {
  std::vector<Span> words;
  size_t pos = 0;
  bool in_word = false;
  while (pos < text.size()) {
    const size_t at = pos;
    const char32_t cp = unicode::next_codepoint(text, pos);
    const bool space = unicode::is_python_space(cp);
    if (!space && !in_word) words.push_back({at, at});
    if (!space) words.back().end = pos;
    in_word = !space;
  }
  return words;
}

}  // namespace

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  for (const Span& span : word_spans(text))
    words.push_back(text.substr(span.begin, span.end - span.begin));
  return words;
}

std::vector<WordConfidence> word_confidences(const Tokenizer& tokenizer,
                                             const std::vector<int>& token_ids,
                                             const std::vector<float>& token_logprobs) {
  const std::string text = tokenizer.decode(token_ids, true);
  const std::vector<Span> words = word_spans(text);
  std::vector<double> sum(words.size(), 0.0);
  std::vector<int> count(words.size(), 0);

  std::vector<size_t> pending;  // tokens waiting for the token that completes their character
  std::vector<int> prefix;
  size_t covered = 0;
  for (size_t i = 0; i < token_ids.size() && i < token_logprobs.size(); ++i) {
    prefix.push_back(token_ids[i]);
    if (tokenizer.is_special_id(token_ids[i])) continue;
    const size_t end = std::max(covered, common_prefix(tokenizer.decode(prefix, true), text));
    pending.push_back(i);
    if (end == covered) continue;
    for (size_t w = 0; w < words.size(); ++w) {
      if (words[w].begin < end && covered < words[w].end) {
        for (size_t t : pending) {
          sum[w] += token_logprobs[t];
          ++count[w];
        }
      }
    }
    pending.clear();
    covered = end;
  }
  std::vector<WordConfidence> out;
  for (size_t w = 0; w < words.size(); ++w) {
    out.push_back({text.substr(words[w].begin, words[w].end - words[w].begin),
                   count[w] ? std::exp(sum[w] / count[w]) : 0.0, static_cast<size_t>(count[w])});
  }
  return out;
}

}  // namespace mlxocr
