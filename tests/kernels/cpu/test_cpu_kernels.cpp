// The CPU kernels against the formulas evaluated in double precision with the C library (forward
// and gradient), and the attention built on them against MLX's own fused attention. The model
// parity tests (test_parity.cpp, tests/train) run through the same kernels against PyTorch.
#include <gtest/gtest.h>
#include <mlx/fast.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include <cmath>
#include <limits>
#include <vector>

#include "float_tolerance.h"
#include "kernels/cpu/softmax_gelu.h"
#include "model/array_values.h"
#include "model/layers.h"

namespace mlxocr {
namespace {

using testing::expect_within;
using testing::kUnitRoundoff;
using testing::largest_magnitude;
using testing::order_bound;
using testing::rounding_bound;
using testing::values;

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}
double normal_pdf(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
}

// |got - want| within `relative[i]` of |want|, or 1e-30 absolute (denormal-sized tails).
void expect_close(const std::vector<float>& got, const std::vector<double>& want,
                  const std::vector<double>& relative) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], relative[i] * std::abs(want[i]) + 1e-30) << "element " << i;
  }
}

// The relative error of vector_math.h's x * Phi(x) (float_tolerance.h): the erfc fit's 1.2e-7
// (Numerical Recipes), about 24 roundings (the Horner steps, exp's 2 ulp, the products), and
// exp(-z^2)'s argument, z^2 = x^2 / 2 rounded twice: 2 u z^2 relative, growing in the tails.
// The tanh approximation of GELU, or erf at x instead of x / sqrt 2, is off by 1e-3 and more.
double gelu_relative_bound(double x) {
  return 1.2e-7 + rounding_bound(24, 1.0) + 2.0 * kUnitRoundoff * x * x / 2.0;
}

std::vector<float> test_inputs() {
  std::vector<float> x = {0.0f,  -0.0f, 1e-8f, -1e-8f, 0.5f,  -0.5f, 1.0f,   -1.0f, 3.0f,
                          -3.0f, 6.0f,  -6.0f, 9.0f,   -9.0f, 12.0f, -12.0f, 40.0f, -40.0f};
  for (int i = -400; i <= 400; ++i)
    x.push_back(static_cast<float>(i) * 0.0137f);
  return x;  // 819 values: not a multiple of the 8 lanes, so the tail path runs too
}

TEST(CpuKernels, GeluIsXTimesTheNormalCdf) {
  const std::vector<float> x = test_inputs();
  std::vector<double> want, relative;
  for (float v : x) {
    want.push_back(v * normal_cdf(v));
    relative.push_back(gelu_relative_bound(v));
  }
  expect_close(values(gelu_erf_cpu(mx::array(x.data(), {static_cast<int>(x.size())}))), want,
               relative);
}

TEST(CpuKernels, GeluGradientIsCdfPlusXTimesDensity) {
  const std::vector<float> x = test_inputs();
  std::vector<float> g;
  std::vector<double> want, size;
  for (size_t i = 0; i < x.size(); ++i) {
    g.push_back(0.5f + 0.01f * static_cast<float>(i % 7));
    want.push_back(g[i] * (normal_cdf(x[i]) + x[i] * normal_pdf(x[i])));
    size.push_back(g[i] * (normal_cdf(x[i]) + std::abs(x[i]) * normal_pdf(x[i])));
  }
  const int n = static_cast<int>(x.size());
  const auto [outputs, grads] = mx::vjp(
      [](const std::vector<mx::array>& in) { return std::vector<mx::array>{gelu_erf_cpu(in[0])}; },
      {mx::array(x.data(), {n})}, {mx::array(g.data(), {n})});
  // Relative to the terms' size: near x = -0.75 the two terms cancel and the sum goes through 0.
  const std::vector<float> got = values(grads[0]);
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i],
                (gelu_relative_bound(x[i]) + rounding_bound(4, 1.0)) * size[i] + 1e-30)
        << "x = " << x[i];
}

TEST(CpuKernels, GeluKeepsNanAndInfinities) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> y =
      values(gelu_erf_cpu(mx::array({std::nanf(""), inf, -inf, 1.0f}, {4})));
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], inf);
  EXPECT_TRUE(std::isnan(y[2]));  // -inf * Phi(-inf) = -inf * 0, as torch computes it
}

// softmax(scale * x) in double, with key j hidden from query i when causal and j > i + S - L.
std::vector<double> softmax_reference(const std::vector<float>& x, int rows, int queries, int keys,
                                      double scale, bool causal) {
  std::vector<double> out(x.size(), 0.0);
  for (int r = 0; r < rows; ++r) {
    const int visible = causal ? std::min(keys, r % queries + keys - queries + 1) : keys;
    double top = -1e300, sum = 0.0;
    for (int j = 0; j < visible; ++j)
      top = std::max(top, scale * x[r * keys + j]);
    for (int j = 0; j < visible; ++j)
      sum += std::exp(scale * x[r * keys + j] - top);
    for (int j = 0; j < visible; ++j)
      out[r * keys + j] = std::exp(scale * x[r * keys + j] - top) / sum;
  }
  return out;
}

// Each probability's relative error: the sum of `keys` positive exps (their own roundings and
// exp's 2 ulp included: 4 per term), the division, and exp's argument scale * x - top rounded
// relative to |scale * x| (at most 2 u |scale * x| relative after exp; the test's scores are
// below 4 sigma = 16, so the largest |x| in the row stands for all).
std::vector<double> softmax_relative_bound(const std::vector<float>& x, int keys) {
  std::vector<double> bound(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    bound[i] = rounding_bound(4.0 * keys + 2, 1.0) + 4.0 * kUnitRoundoff * std::abs(x[i]);
  return bound;
}

TEST(CpuKernels, SoftmaxMatchesDoublePrecision) {
  for (bool causal : {false, true}) {
    const mx::array scores =
        mx::random::normal({2, 3, 5, 37}, mx::float32, 0.0f, 4.0f, mx::random::key(causal ? 2 : 1));
    const std::vector<float> x = values(scores);
    expect_close(values(scaled_softmax_cpu(scores, 0.125f, causal)),
                 softmax_reference(x, 30, 5, 37, 0.125, causal), softmax_relative_bound(x, 37));
  }
}

TEST(CpuKernels, SoftmaxOfAStridedViewAndOfManyRowsOnSeveralThreads) {
  // [64, 1500] transposed: a non-contiguous input, large enough to be split between threads.
  const mx::array big = mx::random::normal({1500, 64}, mx::float32, 0.0f, 3.0f, mx::random::key(3));
  const mx::array scores = mx::transpose(big);
  const std::vector<float> x = values(scores);
  expect_close(values(scaled_softmax_cpu(scores, 0.5f, false)),
               softmax_reference(x, 64, 64, 1500, 0.5, false), softmax_relative_bound(x, 1500));
}

TEST(CpuKernels, SoftmaxGradientMatchesTheJacobian) {
  const mx::array scores =
      mx::random::normal({3, 4, 21}, mx::float32, 0.0f, 2.0f, mx::random::key(4));
  const mx::array cotangent = mx::random::normal({3, 4, 21}, mx::float32, mx::random::key(5));
  const float scale = 0.3f;
  const auto [outputs, grads] = mx::vjp(
      [&](const std::vector<mx::array>& in) {
        return std::vector<mx::array>{scaled_softmax_cpu(in[0], scale, true)};
      },
      {scores}, {cotangent});
  const std::vector<float> x = values(scores), g = values(cotangent);
  const std::vector<double> y = softmax_reference(x, 12, 4, 21, scale, true);
  std::vector<double> want(x.size());
  for (int r = 0; r < 12; ++r) {
    double dot = 0.0;
    for (int j = 0; j < 21; ++j)
      dot += g[r * 21 + j] * y[r * 21 + j];
    for (int j = 0; j < 21; ++j)
      want[r * 21 + j] = scale * y[r * 21 + j] * (g[r * 21 + j] - dot);
  }
  // y (g - y . g) * scale: the softmax's relative error and a dot product of 21 terms of |g y|.
  const std::vector<float> got = values(grads[0]);
  double g_size = largest_magnitude(g);
  expect_within(got, want, rounding_bound(4.0 * 21 + 4, 2.0 * g_size * scale), "gradient");
}

TEST(CpuKernels, SoftmaxRowWithNanIsNan) {
  const std::vector<float> y = values(scaled_softmax_cpu(
      mx::array({1.0f, std::nanf(""), 2.0f, 0.0f, 1.0f, 2.0f}, {2, 3}), 1.0f, false));
  for (int j = 0; j < 3; ++j)
    EXPECT_TRUE(std::isnan(y[j]));
  EXPECT_FALSE(std::isnan(y[3]));
}

TEST(CpuKernels, AttentionEqualsMlxFusedAttention) {
  // L < S with causal: 3 new queries after 6 cached keys, as in a decoder step with a cache.
  const mx::array q = mx::random::normal({2, 4, 3, 16}, mx::float32, mx::random::key(6));
  const mx::array k = mx::random::normal({2, 4, 9, 16}, mx::float32, mx::random::key(7));
  const mx::array v = mx::random::normal({2, 4, 9, 16}, mx::float32, mx::random::key(8));
  for (bool causal : {false, true}) {
    const std::vector<float> got = values(attention(q, k, v, 0.25f, causal));
    const std::vector<float> want =
        values(mx::fast::scaled_dot_product_attention(q, k, v, 0.25f, causal ? "causal" : ""));
    // Scores over 16, softmax and values over 9 keys in two orders; the causal mask one key
    // off fails it.
    testing::Chain chain;
    chain.attention(16, 3, 9);
    expect_within(got, want, order_bound(chain.forward, largest_magnitude(want)),
                  causal ? "causal" : "not causal");
  }
}

}  // namespace
}  // namespace mlxocr
