// The logits processors and sampling warpers on small hand-checked cases (their parity with
// transformers inside generate() is in test_generation_parity.cpp).
#include <gtest/gtest.h>

#include <mlx/mlx.h>
#include <cmath>
#include <limits>

#include "generate/logits_process.h"

namespace mlxocr {
namespace {

namespace mx = mlx::core;
constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<float> values(const mx::array& a) {
  mx::array c = mx::contiguous(mx::astype(a, mx::float32));
  mx::eval(c);
  return std::vector<float>(c.data<float>(), c.data<float>() + c.size());
}

LogitsProcessorSettings settings_with(GenerationConfig config) {
  return LogitsProcessorSettings(config, {2});
}

TEST(BannedTokens, NoRepeatNGramFollowsTransformers) {
  GenerationConfig c;
  c.no_repeat_ngram_size = 2;
  const auto s = settings_with(c);
  // input_ids [2, 5, 6, 5]: the bigram (5, 6) was seen, so after 5 the token 6 is banned.
  EXPECT_EQ(banned_tokens(s, {2, 5, 6, 5}), std::vector<int>{6});
  EXPECT_EQ(banned_tokens(s, {2, 5, 6, 7}), std::vector<int>{});
  c.no_repeat_ngram_size = 3;
  const auto s3 = settings_with(c);
  EXPECT_EQ(banned_tokens(s3, {2, 5, 6, 8, 5, 6}), std::vector<int>{8});
  EXPECT_EQ(banned_tokens(s3, {2}), std::vector<int>{});  // shorter than an n-gram
  c.no_repeat_ngram_size = 1;                             // every token once: the start token too
  EXPECT_EQ(banned_tokens(settings_with(c), {2, 9, 4}), (std::vector<int>{2, 4, 9}));
}

TEST(BannedTokens, BadWordsAndMinNewTokens) {
  GenerationConfig c;
  c.bad_words_ids = {{7}, {5, 6}, {2}, {4, 5, 6}};  // [2] is EOS: dropped, as transformers does
  c.min_new_tokens = 2;
  const auto s = settings_with(c);
  EXPECT_EQ(s.bad_words_ids.size(), 3u);
  EXPECT_EQ(banned_tokens(s, {2}), (std::vector<int>{2, 7}));           // EOS: 0 new tokens
  EXPECT_EQ(banned_tokens(s, {2, 4, 5}), (std::vector<int>{6, 7}));     // 2 new: EOS allowed
  EXPECT_EQ(banned_tokens(s, {2, 4, 5, 9}), (std::vector<int>{7}));     // no prefix matches
  EXPECT_EQ(banned_tokens(s, {2, 3, 4, 5}), (std::vector<int>{6, 7}));  // both prefixes match
}

TEST(LogitsProcessors, RepetitionPenaltyDividesPositiveAndMultipliesNegative) {
  GenerationConfig c;
  c.repetition_penalty = 2.0;
  const auto s = settings_with(c);
  const std::vector<float> scores = {1.0f, -1.0f, 4.0f, -3.0f, 0.5f};
  const mx::array in(scores.data(), {1, 5});
  const std::vector<int> history = {2, 3, 2, 0};  // repeated tokens are penalized once
  const auto out = values(apply_logits_processors(in, s, {&history}));
  EXPECT_EQ(out, (std::vector<float>{0.5f, -1.0f, 2.0f, -6.0f, 0.5f}));
}

TEST(LogitsProcessors, BansAreMinusInfinityPerRow) {
  GenerationConfig c;
  c.bad_words_ids = {{1}, {3, 4}};
  const auto s = settings_with(c);
  const std::vector<float> scores(10, 0.25f);
  const mx::array in(scores.data(), {2, 5});
  const std::vector<int> a = {2, 3}, b = {2, 0};
  const auto out = values(apply_logits_processors(in, s, {&a, &b}));
  EXPECT_EQ(out, (std::vector<float>{0.25f, -kInf, 0.25f, 0.25f, -kInf,  //
                                     0.25f, -kInf, 0.25f, 0.25f, 0.25f}));
}

// What TemperatureLogitsWarper, TopKLogitsWarper and TopPLogitsWarper keep, computed by hand.
TEST(SamplingWarpers, TopKTopPAndTemperature) {
  const std::vector<float> logits = {2.0f, 1.0f, 0.5f, 0.0f, -1.0f, -3.0f};
  const mx::array in(logits.data(), {1, 6});
  GenerationConfig c;
  c.top_k = 3;
  c.top_p = 1.0;
  auto out = values(apply_sampling_warpers(in, c, 1));
  EXPECT_EQ(out, (std::vector<float>{2.0f, 1.0f, 0.5f, -kInf, -kInf, -kInf}));

  // top_p 0.7: probabilities 0.561, 0.206, 0.125, 0.076, 0.028, 0.004 -- the tail whose
  // cumulative mass stays <= 0.3 goes (0.004 + 0.028 + 0.076 + 0.125 = 0.233; with 0.206: 0.439).
  c.top_k = 0;
  c.top_p = 0.7;
  out = values(apply_sampling_warpers(in, c, 1));
  EXPECT_EQ(out, (std::vector<float>{2.0f, 1.0f, -kInf, -kInf, -kInf, -kInf}));
  // min_tokens_to_keep protects the best ones even when top_p would drop them.
  c.top_p = 0.01;
  out = values(apply_sampling_warpers(in, c, 2));
  EXPECT_EQ(out, (std::vector<float>{2.0f, 1.0f, -kInf, -kInf, -kInf, -kInf}));

  c.top_p = 1.0;
  c.temperature = 0.5;
  out = values(apply_sampling_warpers(in, c, 1));
  EXPECT_EQ(out, (std::vector<float>{4.0f, 2.0f, 1.0f, 0.0f, -2.0f, -6.0f}));
}

}  // namespace
}  // namespace mlxocr
