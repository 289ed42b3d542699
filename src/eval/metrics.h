// Recognition quality: character and word error rates, exact matches, and the worst lines.
//
// Normalisation, applied to predictions and references alike before anything is compared:
// invalid UTF-8 becomes U+FFFD (as Python's errors="replace"), runs of whitespace (Python's
// str.isspace: ASCII and Unicode spaces, line and paragraph separators) become one space, and
// leading / trailing whitespace is dropped. Case, punctuation and accents are kept; no Unicode
// normalisation (NFC) is applied, so a precomposed "é" and "e" + combining accent differ.
//
// CER = sum of character edit distances / sum of reference lengths, characters being Unicode code
// points; WER the same on words (whitespace-separated). Edit distance is Levenshtein's
// (insertions, deletions and substitutions cost 1). Corpus-level, as jiwer computes them: long
// lines weigh more than short ones. When every reference is empty, the rate is the number of
// errors (0 when the predictions are empty too).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mlxocr {

// One line's comparison.
struct LineScore {
  size_t index = 0;                   // position in the inputs
  std::string prediction, reference;  // normalised
  size_t char_errors = 0, reference_chars = 0;
  size_t word_errors = 0, reference_words = 0;
  // char_errors / reference_chars (char_errors when the reference is empty).
  double cer() const;
};

struct TextMetrics {
  double cer = 0, wer = 0, exact_match = 0;  // rates in [0, 1] (CER and WER may exceed 1)
  size_t count = 0;
  size_t char_errors = 0, reference_chars = 0, word_errors = 0, reference_words = 0;
  size_t exact = 0;
  // The worst lines: highest line CER first (ties: more errors first, then input order); only
  // lines with at least one character error.
  std::vector<LineScore> worst;
};

inline constexpr size_t kDefaultWorstExamples = 5;

// Throws UsageError when the two lists differ in length.
TextMetrics compute_metrics(const std::vector<std::string>& predictions,
                            const std::vector<std::string>& references);
TextMetrics compute_metrics(const std::vector<std::string>& predictions,
                            const std::vector<std::string>& references, size_t worst_count);

// Every line's score, in input order (what compute_metrics sums).
std::vector<LineScore> score_lines(const std::vector<std::string>& predictions,
                                   const std::vector<std::string>& references);

// The normalisation described above.
std::string normalize_text(std::string_view text);

// Levenshtein distance between two sequences of code points / words.
size_t edit_distance(const std::u32string& a, const std::u32string& b);
size_t edit_distance(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace mlxocr
