// CER / WER / exact match: hand-computed cases, then the independent Python reference
// (tools/reference/make_metrics_fixtures.py) on perturbed real text lines.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "eval/metrics.h"
#include "mlxocr/error.h"
#include "test_support.h"

namespace mlxocr {
namespace {

TEST(Metrics, HandComputedCases) {
  // kitten -> sitting: 3 edits on 7 reference characters.
  TextMetrics m = compute_metrics({"kitten"}, {"sitting"});
  EXPECT_EQ(m.char_errors, 3u);
  EXPECT_EQ(m.reference_chars, 7u);
  EXPECT_DOUBLE_EQ(m.cer, 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(m.wer, 1.0);
  EXPECT_DOUBLE_EQ(m.exact_match, 0.0);

  // Corpus level: (1 + 0) / (4 + 5); words: (1 + 0) / (1 + 2).
  m = compute_metrics({"abcx", "ab cd"}, {"abcd", "ab cd"});
  EXPECT_DOUBLE_EQ(m.cer, 1.0 / 9.0);
  EXPECT_DOUBLE_EQ(m.wer, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.exact_match, 0.5);
  EXPECT_EQ(m.count, 2u);
}

TEST(Metrics, CharactersAreCodePoints) {
  // "é" is two bytes but one character; "€" three bytes.
  TextMetrics m = compute_metrics({"cafe 5€"}, {"café 5€"});
  EXPECT_EQ(m.reference_chars, 7u);
  EXPECT_EQ(m.char_errors, 1u);
  EXPECT_EQ(m.word_errors, 1u);
  EXPECT_EQ(m.reference_words, 2u);
}

TEST(Metrics, WordsAreWholeTokens) {
  // One word dropped, one substituted: 2 of 4 words.
  TextMetrics m = compute_metrics({"the quick fox jumps"}, {"the quick brown fox"});
  EXPECT_EQ(m.word_errors, 2u);
  EXPECT_DOUBLE_EQ(m.wer, 0.5);
}

TEST(Metrics, NormalisationCollapsesWhitespaceAndKeepsCase) {
  EXPECT_EQ(normalize_text("  a \t b\n\u00a0c  "), "a b c");
  EXPECT_EQ(normalize_text("\u3000"), "");
  EXPECT_EQ(normalize_text("a\xff"
                           "b"),
            "a\uFFFD"
            "b");
  TextMetrics m = compute_metrics({" Hello   World "}, {"Hello World"});
  EXPECT_DOUBLE_EQ(m.exact_match, 1.0);
  EXPECT_DOUBLE_EQ(m.cer, 0.0);
  m = compute_metrics({"hello world"}, {"Hello World"});
  EXPECT_EQ(m.char_errors, 2u);
}

TEST(Metrics, EmptyReferencesAndPredictions) {
  TextMetrics m = compute_metrics({"", "ab"}, {"", ""});
  EXPECT_EQ(m.reference_chars, 0u);
  EXPECT_DOUBLE_EQ(m.cer, 2.0);  // documented: the error count when every reference is empty
  m = compute_metrics({""}, {"abc"});
  EXPECT_DOUBLE_EQ(m.cer, 1.0);
  EXPECT_DOUBLE_EQ(m.wer, 1.0);
  m = compute_metrics({}, {});
  EXPECT_EQ(m.count, 0u);
  EXPECT_DOUBLE_EQ(m.cer, 0.0);
  EXPECT_DOUBLE_EQ(m.exact_match, 0.0);
}

TEST(Metrics, WorstExamplesAreSortedAndOnlyWrongOnes) {
  TextMetrics m = compute_metrics({"abcd", "xbcd", "xycd", "xyzw", "ab"},
                                  {"abcd", "abcd", "abcd", "abcd", "abcdefgh"}, 3);
  ASSERT_EQ(m.worst.size(), 3u);
  EXPECT_EQ(m.worst[0].index, 3u);  // 4/4
  EXPECT_EQ(m.worst[1].index, 4u);  // 6/8, more errors than line 2's 2/4
  EXPECT_EQ(m.worst[2].index, 2u);  // 2/4
  m = compute_metrics({"a", "b"}, {"a", "b"});
  EXPECT_TRUE(m.worst.empty());
}

TEST(Metrics, MismatchedListsAreAUsageError) {
  EXPECT_THROW(compute_metrics({"a"}, {}), UsageError);
}

// Independent reference: a Python Levenshtein on Python's own str.split() normalisation.
TEST(Metrics, MatchesPythonReference) {
  std::ifstream in(testing::fixtures() / "reference" / "metrics.json");
  ASSERT_TRUE(in) << "tests/fixtures/reference/metrics.json missing";
  const nlohmann::json fixture = nlohmann::json::parse(in);
  std::vector<std::string> predictions, references;
  for (const auto& line : fixture["lines"]) {
    predictions.push_back(line["prediction"]);
    references.push_back(line["reference"]);
  }
  ASSERT_GE(predictions.size(), 100u);
  const std::vector<LineScore> scores = score_lines(predictions, references);
  for (size_t i = 0; i < scores.size(); ++i) {
    const auto& expected = fixture["lines"][i];
    EXPECT_EQ(scores[i].char_errors, expected["char_errors"].get<size_t>()) << i;
    EXPECT_EQ(scores[i].reference_chars, expected["reference_chars"].get<size_t>()) << i;
    EXPECT_EQ(scores[i].word_errors, expected["word_errors"].get<size_t>()) << i;
    EXPECT_EQ(scores[i].reference_words, expected["reference_words"].get<size_t>()) << i;
  }
  const TextMetrics m = compute_metrics(predictions, references);
  EXPECT_NEAR(m.cer, fixture["cer"].get<double>(), 1e-12);
  EXPECT_NEAR(m.wer, fixture["wer"].get<double>(), 1e-12);
  EXPECT_NEAR(m.exact_match, fixture["exact_match"].get<double>(), 1e-12);
}

}  // namespace
}  // namespace mlxocr
