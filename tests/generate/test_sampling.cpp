// Sampling. torch's and MLX's random generators cannot agree, so a seed cannot reproduce
// transformers' samples; these tests check what sampling must do instead: the same seed gives the
// same tokens (whatever the batch), top_k = 1 and a temperature near 0 give greedy search, and
// draws from a fixed score vector follow the softmax of the warped scores.
#include <gtest/gtest.h>

#include <mlx/mlx.h>
#include <cmath>
#include <limits>

#include "generate/decoding.h"
#include "generate/generate.h"
#include "generate/logits_process.h"
#include "generation_fixtures.h"
#include "model_chain.h"

namespace mlxocr {
namespace {

namespace mx = mlx::core;

struct SamplingTest : ::testing::Test {
  static void SetUpTestSuite() {
    model = std::make_unique<TrOCRModel>(load_model(testing::model_fixture("vit-trocr")));
    const auto fixture = testing::load_generation_fixture("vit-trocr");
    pixels = std::make_unique<mx::array>(testing::fixture_pixels("vit-trocr", fixture.images));
  }
  static void TearDownTestSuite() {
    model.reset();
    pixels.reset();
  }
  static GenerationConfig sampling(std::uint64_t seed) {
    GenerationConfig c{.max_new_tokens = 12};
    c.do_sample = true;
    c.seed = seed;
    return c;
  }
  static std::vector<std::vector<int>> tokens(const GenerationConfig& c, const mx::array& px,
                                              const std::vector<std::uint64_t>& streams = {}) {
    std::vector<std::vector<int>> out;
    for (const auto& image : generate(*model, px, c, streams)) {
      for (const auto& seq : image)
        out.push_back(seq.tokens);
    }
    return out;
  }
  static std::unique_ptr<TrOCRModel> model;
  static std::unique_ptr<mx::array> pixels;
};
std::unique_ptr<TrOCRModel> SamplingTest::model;
std::unique_ptr<mx::array> SamplingTest::pixels;

TEST_F(SamplingTest, SameSeedSameTokensOtherSeedOtherTokens) {
  const auto first = tokens(sampling(7), *pixels);
  EXPECT_EQ(tokens(sampling(7), *pixels), first);
  EXPECT_NE(tokens(sampling(8), *pixels), first);
  // Not greedy: with the default top_k 50 and random weights, samples leave the greedy path.
  EXPECT_NE(first, tokens({.max_new_tokens = 12}, *pixels));
}

TEST_F(SamplingTest, AnImagesSamplesDoNotDependOnItsBatch) {
  const GenerationConfig c = sampling(11);
  const auto batched = tokens(c, *pixels, {0, 1, 2, 3, 4});
  for (int i = 0; i < pixels->shape(0); ++i) {
    const auto alone = tokens(c, testing::pixel_row(*pixels, i), {static_cast<std::uint64_t>(i)});
    EXPECT_EQ(alone[0], batched[i]) << "image " << i;
  }
}

TEST_F(SamplingTest, SeveralSamplesPerImage) {
  GenerationConfig c = sampling(3);
  c.num_return_sequences = 3;
  const auto result = generate(*model, *pixels, c);
  ASSERT_EQ(result.size(), 5u);
  int differing = 0;
  for (const auto& image : result) {
    ASSERT_EQ(image.size(), 3u);
    differing += image[0].tokens != image[1].tokens || image[1].tokens != image[2].tokens;
    for (const auto& seq : image) {
      EXPECT_FALSE(seq.sequence_score.has_value());
      EXPECT_EQ(seq.token_logprobs.size() + 1, seq.tokens.size());
    }
  }
  EXPECT_GT(differing, 0);
}

TEST_F(SamplingTest, TopKOneAndColdTemperatureAreGreedy) {
  const auto greedy = tokens({.max_new_tokens = 12}, *pixels);
  GenerationConfig top1 = sampling(5);
  top1.top_k = 1;
  EXPECT_EQ(tokens(top1, *pixels), greedy);
  // The greedy paths' top-1/top-2 margins are >= 0.01 (fixture records), so at T = 1e-4 the
  // runner-up is e^-100 less likely.
  GenerationConfig cold = sampling(5);
  cold.temperature = 1e-4;
  EXPECT_EQ(tokens(cold, *pixels), greedy);
  // And the log-probabilities reported are the model's, not the sharpened ones.
  const auto cold_result = generate(*model, *pixels, cold);
  const auto greedy_result = generate(*model, *pixels, {.max_new_tokens = 12});
  for (size_t i = 0; i < greedy_result.size(); ++i) {
    const double bound = testing::logprob_bound(
        *model, testing::pixel_row(*pixels, static_cast<int>(i)), greedy_result[i][0].tokens);
    for (size_t t = 0; t < greedy_result[i][0].token_logprobs.size(); ++t) {
      EXPECT_NEAR(cold_result[i][0].token_logprobs[t], greedy_result[i][0].token_logprobs[t],
                  bound);
    }
  }
}

TEST_F(SamplingTest, BeamSamplingIsSeededToo) {
  GenerationConfig c = sampling(21);
  c.num_beams = 3;
  c.num_return_sequences = 2;
  const auto first = generate(*model, *pixels, c);
  const auto again = generate(*model, *pixels, c);
  for (size_t i = 0; i < first.size(); ++i) {
    ASSERT_EQ(first[i].size(), 2u);
    for (size_t n = 0; n < 2; ++n) {
      EXPECT_EQ(first[i][n].tokens, again[i][n].tokens);
      ASSERT_TRUE(first[i][n].sequence_score.has_value());
    }
    EXPECT_GE(*first[i][0].sequence_score, *first[i][1].sequence_score);
  }
}

// softmax of the warped scores, in double.
std::vector<double> expected_distribution(const std::vector<float>& warped) {
  double total = 0;
  std::vector<double> p(warped.size());
  for (size_t i = 0; i < warped.size(); ++i)
    total += p[i] = std::isfinite(warped[i]) ? std::exp(static_cast<double>(warped[i])) : 0.0;
  for (double& x : p)
    x /= total;
  return p;
}

// Token frequencies of many draws from one fixed score vector against the softmax of the warped
// scores: each within 5 standard deviations; filtered tokens never drawn.
TEST(SamplingDistribution, DrawsFollowTheWarpedSoftmax) {
  const std::vector<float> logits = {2.0f, 1.0f, 0.5f, 0.0f, -1.0f, -3.0f, 1.5f, -0.5f};
  const int vocab = static_cast<int>(logits.size());
  const mx::array scores(logits.data(), {1, vocab});
  GenerationConfig c;
  c.temperature = 0.8;
  c.top_k = 6;
  c.top_p = 0.9;
  const mx::array warped = apply_sampling_warpers(scores, c, 1);
  mx::eval(warped);
  const std::vector<float> w(warped.data<float>(), warped.data<float>() + vocab);
  const std::vector<double> p = expected_distribution(w);
  // top_k drops -3 and -1; top_p then the 0.021 + 0.039 tail (-0.5 and 0 after temperature).
  EXPECT_EQ(std::count_if(w.begin(), w.end(), [](float x) { return std::isinf(x); }), 4);

  constexpr int kDraws = 60000;
  // The draw sample_search makes for one row: categorical over the warped scores with one key.
  const mx::array draws = mx::astype(
      mx::random::categorical(warped, -1, {1, kDraws}, decoding::stream_key(1234, 0)), mx::int32);
  mx::eval(draws);
  std::vector<int> count(vocab, 0);
  for (int i = 0; i < kDraws; ++i)
    ++count[draws.data<int>()[i]];
  for (int t = 0; t < vocab; ++t) {
    const double f = static_cast<double>(count[t]) / kDraws;
    const double sigma = std::sqrt(p[t] * (1 - p[t]) / kDraws);
    EXPECT_NEAR(f, p[t], 5 * sigma + 1e-4) << "token " << t;
    if (p[t] == 0) {
      EXPECT_EQ(count[t], 0) << "token " << t;
    }
  }
}

// Beam sampling draws 2 * num_beams continuations without replacement by Gumbel top-k: the
// first draw is distributed as softmax, and no continuation is drawn twice.
TEST(SamplingDistribution, GumbelTopKFirstDrawFollowsSoftmax) {
  const std::vector<float> logits = {1.0f, 0.2f, -0.4f, 0.7f, -2.0f};
  const int vocab = static_cast<int>(logits.size());
  constexpr int kDraws = 40000;
  const mx::array scores = mx::broadcast_to(mx::array(logits.data(), {1, vocab}), {kDraws, vocab});
  const mx::array perturbed =
      scores + mx::random::gumbel({kDraws, vocab}, mx::float32, decoding::stream_key(99, 1));
  const mx::array order = mx::astype(mx::argsort(mx::negative(perturbed), 1), mx::int32);
  mx::eval(order);
  const std::vector<double> p = expected_distribution(logits);
  std::vector<int> first(vocab, 0);
  for (int i = 0; i < kDraws; ++i) {
    const int* row = order.data<int>() + static_cast<size_t>(i) * vocab;
    ++first[row[0]];
    std::vector<int> sorted(row, row + vocab);
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
  }
  for (int t = 0; t < vocab; ++t) {
    const double f = static_cast<double>(first[t]) / kDraws;
    EXPECT_NEAR(f, p[t], 5 * std::sqrt(p[t] * (1 - p[t]) / kDraws) + 1e-4) << "token " << t;
  }
}

}  // namespace
}  // namespace mlxocr
