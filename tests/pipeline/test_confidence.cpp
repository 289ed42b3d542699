// Line and word confidences: which tokens make up which word, for byte-level BPE (characters split
// over several byte tokens) and SentencePiece (word-start marks, <unk>), EOS in no word.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "pipeline/confidence.h"
#include "test_support.h"

namespace mlxocr {
namespace {

const std::string kText = "Hello world, naïve café €5";

// Log-probabilities all different, so a wrong grouping shows.
std::vector<float> distinct_logprobs(size_t n) {
  std::vector<float> lp(n);
  for (size_t i = 0; i < n; ++i)
    lp[i] = -0.05f * static_cast<float>(i + 1);
  return lp;
}

double expected(const std::vector<float>& lp, const std::vector<int>& tokens) {
  double sum = 0;
  for (int t : tokens)
    sum += lp[t];
  return std::exp(sum / tokens.size());
}

struct Word {
  std::string text;
  std::vector<int> tokens;
};

void check(const std::string& variant, const std::vector<Word>& words, size_t token_count) {
  const auto tokenizer = load_tokenizer(testing::model_fixture(variant));
  std::vector<int> ids = tokenizer->encode(kText, false);
  ASSERT_EQ(ids.size(), token_count) << "the fixture tokenizer changed; update the groups";
  ids.push_back(tokenizer->eos_token_id());
  const auto lp = distinct_logprobs(ids.size());
  const auto got = word_confidences(*tokenizer, ids, lp);
  ASSERT_EQ(got.size(), words.size());
  for (size_t w = 0; w < words.size(); ++w) {
    EXPECT_EQ(got[w].text, words[w].text);
    EXPECT_NEAR(got[w].confidence, expected(lp, words[w].tokens), 1e-9) << words[w].text;
  }
}

// H|el|lo|Ġw|or|ld|,|Ġn|a|ï(2 bytes)|ve|Ġc|a|f|é(2 bytes)|Ġ|€(3 bytes)|5, then </s>. The lone
// "Ġ" holds only the space before "€5", so it belongs to no word.
TEST(WordConfidence, ByteLevelBpeJoinsSplitCharacters) {
  check("vit-trocr",
        {{"Hello", {0, 1, 2}},
         {"world,", {3, 4, 5, 6}},
         {"naïve", {7, 8, 9, 10, 11}},
         {"café", {12, 13, 14, 15, 16}},
         {"€5", {18, 19, 20, 21}}},
        22);
}

// ▁H|el|lo|▁w|or|ld|,|▁n|a|ï|ve|▁c|a|f|é|▁|<unk>|5, then </s>. "€" is <unk>, which decoding drops
// (a special token, in no word). As the fast tokenizer decodes (the one transformers loads), the
// lone "▁" before it is only the space before "5", so, like byte-level BPE's lone "Ġ" above, it
// belongs to no word.
TEST(WordConfidence, SentencePieceWordStarts) {
  check("deit-trocr",
        {{"Hello", {0, 1, 2}},
         {"world,", {3, 4, 5, 6}},
         {"naïve", {7, 8, 9, 10}},
         {"café", {11, 12, 13, 14}},
         {"5", {17}}},
        18);
}

TEST(WordConfidence, EmptyAndSpecialOnly) {
  const auto tokenizer = load_tokenizer(testing::model_fixture("vit-trocr"));
  EXPECT_TRUE(word_confidences(*tokenizer, {}, {}).empty());
  EXPECT_TRUE(word_confidences(*tokenizer, {tokenizer->eos_token_id()}, {-0.1f}).empty());
}

TEST(LineConfidence, GeometricMeanOfTokenProbabilities) {
  EXPECT_DOUBLE_EQ(line_confidence({}), 0.0);
  EXPECT_NEAR(line_confidence({std::log(0.5f), std::log(0.125f)}), 0.25, 1e-7);
  EXPECT_NEAR(line_confidence({0.0f, 0.0f}), 1.0, 1e-12);
}

}  // namespace
}  // namespace mlxocr
