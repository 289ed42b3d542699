#include "eval/metrics.h"

#include <algorithm>

#include "mlxocr/error.h"
#include "text/unicode.h"

namespace mlxocr {

namespace {

std::u32string codepoints(std::string_view valid_utf8) {
  std::u32string out;
  size_t pos = 0;
  while (pos < valid_utf8.size())
    out.push_back(unicode::next_codepoint(valid_utf8, pos));
  return out;
}

std::vector<std::string> split_words(std::string_view normalized) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < normalized.size()) {
    size_t end = normalized.find(' ', start);
    if (end == std::string_view::npos) end = normalized.size();
    words.emplace_back(normalized.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

template <typename Sequence>
size_t levenshtein(const Sequence& a, const Sequence& b) {
  // One row of the dynamic programme: previous[j] = distance(a[0..i), b[0..j)).
  std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

double rate(size_t errors, size_t total) {
  return total == 0 ? static_cast<double>(errors) : static_cast<double>(errors) / total;
}

}  // namespace

double LineScore::cer() const {
  return rate(char_errors, reference_chars);
}

std::string normalize_text(std::string_view text) {
  const std::string valid = unicode::to_valid_utf8(text);
  std::string out;
  bool pending_space = false;
  size_t pos = 0;
  while (pos < valid.size()) {
    const size_t start = pos;
    const char32_t cp = unicode::next_codepoint(valid, pos);
    if (unicode::is_python_space(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.append(valid, start, pos - start);
  }
  return out;
}

size_t edit_distance(const std::u32string& a, const std::u32string& b) {
  return levenshtein(a, b);
}

size_t edit_distance(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return levenshtein(a, b);
}

std::vector<LineScore> score_lines(const std::vector<std::string>& predictions,
                                   const std::vector<std::string>& references) {
  if (predictions.size() != references.size()) {
    throw UsageError("metrics: " + std::to_string(predictions.size()) + " predictions for " +
                     std::to_string(references.size()) + " references");
  }
  std::vector<LineScore> scores(predictions.size());
  for (size_t i = 0; i < predictions.size(); ++i) {
    LineScore& s = scores[i];
    s.index = i;
    s.prediction = normalize_text(predictions[i]);
    s.reference = normalize_text(references[i]);
    const std::u32string pred_chars = codepoints(s.prediction);
    const std::u32string ref_chars = codepoints(s.reference);
    const std::vector<std::string> pred_words = split_words(s.prediction);
    const std::vector<std::string> ref_words = split_words(s.reference);
    s.char_errors = edit_distance(pred_chars, ref_chars);
    s.reference_chars = ref_chars.size();
    s.word_errors = edit_distance(pred_words, ref_words);
    s.reference_words = ref_words.size();
  }
  return scores;
}

TextMetrics compute_metrics(const std::vector<std::string>& predictions,
                            const std::vector<std::string>& references) {
  return compute_metrics(predictions, references, kDefaultWorstExamples);
}

TextMetrics compute_metrics(const std::vector<std::string>& predictions,
                            const std::vector<std::string>& references, size_t worst_count) {
  std::vector<LineScore> scores = score_lines(predictions, references);
  TextMetrics m;
  m.count = scores.size();
  for (const LineScore& s : scores) {
    m.char_errors += s.char_errors;
    m.reference_chars += s.reference_chars;
    m.word_errors += s.word_errors;
    m.reference_words += s.reference_words;
    if (s.prediction == s.reference) ++m.exact;
  }
  m.cer = rate(m.char_errors, m.reference_chars);
  m.wer = rate(m.word_errors, m.reference_words);
  m.exact_match = m.count == 0 ? 0.0 : static_cast<double>(m.exact) / m.count;

  std::erase_if(scores, [](const LineScore& s) { return s.char_errors == 0; });
  const size_t keep = std::min(worst_count, scores.size());
  std::partial_sort(scores.begin(), scores.begin() + keep, scores.end(),
                    [](const LineScore& a, const LineScore& b) {
                      if (a.cer() != b.cer()) return a.cer() > b.cer();
                      if (a.char_errors != b.char_errors) return a.char_errors > b.char_errors;
                      return a.index < b.index;
                    });
  scores.resize(keep);
  m.worst = std::move(scores);
  return m;
}

}  // namespace mlxocr
