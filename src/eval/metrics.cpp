// PLACEHOLDER until branch `data` lands: byte-level CER, whitespace WER.
#include "eval/metrics.h"

#include <algorithm>
#include <sstream>

namespace mlxocr {

namespace {

template <typename T>
size_t edit_distance(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

}  // namespace

TextMetrics compute_metrics(const std::vector<std::string>& predictions,
                            const std::vector<std::string>& references) {
  TextMetrics m;
  size_t char_errors = 0, chars = 0, word_errors = 0, word_count = 0, exact = 0;
  for (size_t i = 0; i < predictions.size() && i < references.size(); ++i) {
    const std::vector<char> p(predictions[i].begin(), predictions[i].end());
    const std::vector<char> r(references[i].begin(), references[i].end());
    char_errors += edit_distance(p, r);
    chars += r.size();
    const auto pw = words(predictions[i]), rw = words(references[i]);
    word_errors += edit_distance(pw, rw);
    word_count += rw.size();
    exact += predictions[i] == references[i];
    ++m.count;
  }
  m.cer = chars ? static_cast<double>(char_errors) / chars : 0.0;
  m.wer = word_count ? static_cast<double>(word_errors) / word_count : 0.0;
  m.exact_match = m.count ? static_cast<double>(exact) / m.count : 0.0;
  return m;
}

}  // namespace mlxocr
