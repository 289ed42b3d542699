// The CPU kernels of whole layers against references that share no code with them: layer norm
// against its formula in double precision (output and the three gradients), the many-row linear
// layer against MLX's matmul, multi-head attention on fused projections against MLX's own
// scaled_dot_product_attention on split heads (output and every source's gradient through MLX's
// autodiff), on shapes that take each of the kernel's paths. The parity tests against
// transformers (test_parity.cpp, tests/train) run through all of them.
#include <gtest/gtest.h>
#include <mlx/fast.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "float_tolerance.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/layer_norm.h"
#include "kernels/cpu/linear.h"
#include "mlxocr/error.h"
#include "model/array_values.h"
#include "model/layers.h"

namespace mlxocr {
namespace {

using testing::expect_within;
using testing::largest_magnitude;
using testing::order_bound;
using testing::rounding_bound;
using testing::values;

struct LayerNormCase {
  int rows, width;
  float offset;  // every row's mean: far from 0 checks the variance's two passes
};

TEST(CpuLayerKernels, LayerNormAndItsGradientsMatchTheFormulaInDoublePrecision) {
  // 37 columns: not a multiple of the 8 lanes; 4000 x 256: rows and column blocks on threads.
  for (const LayerNormCase c : {LayerNormCase{15, 37, 0.0f}, LayerNormCase{6, 37, 100.0f},
                                LayerNormCase{4000, 256, 0.5f}}) {
    const mx::array x = mx::random::normal({c.rows, c.width}, mx::float32, c.offset, 1.5f,
                                           mx::random::key(c.width + c.rows));
    const mx::array w = mx::random::normal({c.width}, mx::float32, 1.0f, 0.3f, mx::random::key(1));
    const mx::array b = mx::random::normal({c.width}, mx::float32, 0.0f, 0.3f, mx::random::key(2));
    const mx::array g = mx::random::normal({c.rows, c.width}, mx::float32, mx::random::key(3));
    const float eps = 1e-5f;
    const auto [outputs, grads] = mx::vjp(
        [eps](const std::vector<mx::array>& in) {
          return std::vector<mx::array>{layer_norm_cpu(in[0], in[1], in[2], eps)};
        },
        {x, w, b}, {g});
    const std::vector<float> xs = values(x), ws = values(w), bs = values(b), gs = values(g);
    const std::vector<float> y = values(outputs[0]), dx = values(grads[0]), dw = values(grads[1]),
                             db = values(grads[2]);
    std::vector<double> want_dw(c.width, 0.0), want_db(c.width, 0.0);
    // One float32 evaluation against the formula in double: rounding_bound (float_tolerance.h)
    // of the row's sums (mean, variance, the two means of the gradient: 4 x width roundings). The
    // values rounded are as large as |x| (the mean far from 0 when offset is): in units of the
    // output that is |x| * rstd * |w|, plus |b|; the input's gradient has terms |g w| rstd up to
    // (1 + |x| rstd) times. Variance over width - 1 instead of width, a missing eps or bias, or
    // a wrong sign in the gradient's two means each change values by far more.
    const double x_size = largest_magnitude(xs), w_size = largest_magnitude(ws),
                 g_size = largest_magnitude(gs);
    double x_hat_size = 0.0;
    for (int r = 0; r < c.rows; ++r) {
      const float* xr = xs.data() + r * c.width;
      const float* gr = gs.data() + r * c.width;
      double mean = 0.0, var = 0.0;
      for (int i = 0; i < c.width; ++i)
        mean += xr[i];
      mean /= c.width;
      for (int i = 0; i < c.width; ++i)
        var += (xr[i] - mean) * (xr[i] - mean);
      const double rstd = 1.0 / std::sqrt(var / c.width + eps);
      double mean_gw = 0.0, mean_gw_xhat = 0.0;
      for (int i = 0; i < c.width; ++i) {
        const double xhat = (xr[i] - mean) * rstd;
        mean_gw += gr[i] * ws[i] / c.width;
        mean_gw_xhat += gr[i] * ws[i] * xhat / c.width;
        want_dw[i] += gr[i] * xhat;
        want_db[i] += gr[i];
      }
      for (int i = 0; i < c.width; ++i) {
        const double xhat = (xr[i] - mean) * rstd;
        x_hat_size = std::max(x_hat_size, std::abs(xhat));
        const size_t at = static_cast<size_t>(r) * c.width + i;
        const double roundings = 4.0 * c.width;
        ASSERT_NEAR(y[at], xhat * ws[i] + bs[i],
                    rounding_bound(roundings, x_size * rstd * w_size + largest_magnitude(bs)))
            << "row " << r << " column " << i;
        ASSERT_NEAR(dx[at], rstd * (gr[i] * ws[i] - mean_gw - xhat * mean_gw_xhat),
                    rounding_bound(roundings, g_size * w_size * rstd * (1.0 + x_size * rstd)))
            << "row " << r << " column " << i;
      }
    }
    // The weight's and bias's gradients add one term per row, |g x_hat| and |g|: partial sums
    // of random-signed terms grow as sqrt(rows) times a term, or as large as the result.
    const double walk = std::sqrt(static_cast<double>(c.rows));
    expect_within(dw, want_dw,
                  rounding_bound(c.rows + 4.0 * c.width,
                                 std::max(largest_magnitude(want_dw), g_size * x_hat_size * walk)),
                  "weight gradient");
    expect_within(db, want_db,
                  rounding_bound(c.rows, std::max(largest_magnitude(want_db), g_size * walk)),
                  "bias gradient");
  }
}

TEST(CpuLayerKernels, LayerNormOfLayersUsesTheKernelAndKeepsTorchsEps) {
  LayerNorm norm{mx::array({1.0f, 2.0f, 3.0f}), mx::array({0.0f, 0.5f, -1.0f}), 1e-12f};
  const mx::array x = mx::array({1.0f, 2.0f, 4.0f, -3.0f, 0.0f, 3.0f}, {2, 3});
  EXPECT_EQ(layer_norm(x, norm).primitive().name(), std::string("MlxocrLayerNorm"));
  const std::vector<float> got = values(layer_norm(x, norm));
  const std::vector<float> want = values(mx::fast::layer_norm(x, norm.weight, norm.bias, 1e-12f));
  // Two evaluations of rows of 3 (mean, variance: 6 roundings, float_tolerance.h); an eps of
  // 1e-5 (nn.LayerNorm's default) in place of the config's 1e-12 must fail the bound.
  const double bound = order_bound(6, largest_magnitude(want));
  expect_within(got, want, bound, "layer norm");
  const std::vector<float> other_eps =
      values(mx::fast::layer_norm(x, norm.weight, norm.bias, 1e-5f));
  EXPECT_TRUE(testing::exceeds_somewhere(other_eps, want, bound));
}

TEST(CpuLayerKernels, LinearAndItsGradientsEqualMlxAddmmAndTheWeightGradientIsRowMajor) {
  const mx::array x = mx::random::normal({37, 20}, mx::float32, mx::random::key(30));
  const mx::array w = mx::random::normal({13, 20}, mx::float32, mx::random::key(31));
  const mx::array b = mx::random::normal({13}, mx::float32, mx::random::key(32));
  const mx::array g = mx::random::normal({37, 13}, mx::float32, mx::random::key(33));
  for (bool with_bias : {true, false}) {
    auto run = [&](bool ours) {
      return mx::vjp(
          [&](const std::vector<mx::array>& in) {
            const std::optional<mx::array> bias =
                with_bias ? std::optional<mx::array>(in[2]) : std::nullopt;
            if (ours) return std::vector<mx::array>{linear_cpu(in[0], in[1], bias)};
            const mx::array y = mx::matmul(in[0], mx::transpose(in[1]));
            return std::vector<mx::array>{bias ? y + *bias : y};
          },
          {x, w, b}, {g});
    };
    const auto [ours_out, ours_grads] = run(true);
    const auto [mlx_out, mlx_grads] = run(false);
    // Products of 20 (output), 13 (input's gradient) and 37 (weight's and bias's gradients)
    // terms in two orders (float_tolerance.h). A transposed weight or a missing bias fails it.
    const std::vector<float> got = values(ours_out[0]), want = values(mlx_out[0]);
    expect_within(got, want, order_bound(20, largest_magnitude(want)), "output");
    const double terms[] = {13, 37, 37};
    for (int arg = 0; arg < (with_bias ? 3 : 2); ++arg) {
      const std::vector<float> dgot = values(ours_grads[arg]), dwant = values(mlx_grads[arg]);
      expect_within(dgot, dwant, order_bound(terms[arg], largest_magnitude(dwant)),
                    "gradient of input " + std::to_string(arg));
    }
    mx::array weight_grad = ours_grads[1];
    mx::eval(weight_grad);
    EXPECT_TRUE(weight_grad.flags().row_contiguous);
  }
}

// One attention problem: sources and where q, k and v are in them.
struct AttentionCase {
  const char* what;
  std::vector<mx::array> sources;
  HeadColumns q, k, v;
  int heads, head_dim;
  bool causal;
};

// The same attention from MLX's ops: columns sliced out, heads split, MLX's attention (composed
// of its own matmul and softmax on the CPU), heads merged.
mx::array reference_attention(const std::vector<mx::array>& sources, const AttentionCase& c,
                              float scale) {
  auto part = [&](const HeadColumns& at) {
    const mx::array& s = sources[at.source];
    const mx::array columns =
        mx::slice(s, {0, 0, at.offset}, {s.shape(0), s.shape(1), at.offset + c.heads * c.head_dim});
    return split_heads(columns, c.heads);
  };
  return merge_heads(mx::fast::scaled_dot_product_attention(part(c.q), part(c.k), part(c.v), scale,
                                                            c.causal ? "causal" : ""));
}

mx::array source(int batch, int rows, int width, int seed) {
  return mx::random::normal({batch, rows, width}, mx::float32, mx::random::key(seed));
}

TEST(CpuLayerKernels, AttentionOnFusedProjectionsEqualsMlxAttentionWithGradients) {
  std::vector<AttentionCase> cases = {
      // Small heads: one block of rows, heads on several threads.
      {"fused qkv, 7 tokens", {source(2, 7, 3 * 24, 10)}, {0, 0}, {0, 24}, {0, 48}, 3, 8, false},
      {"fused qkv, 7 tokens, causal",
       {source(2, 7, 3 * 24, 11)},
       {0, 0},
       {0, 24},
       {0, 48},
       3,
       8,
       true},
      // 65 x 65 x 64 is over OpenBLAS's threading threshold: two blocks of query rows.
      {"fused qkv, 65 tokens, causal",
       {source(2, 65, 3 * 128, 12)},
       {0, 0},
       {0, 128},
       {0, 256},
       2,
       64,
       true},
      // A big head: heads one after the other, each product on OpenBLAS's threads.
      {"fused qkv, 260 tokens",
       {source(1, 260, 3 * 32, 13)},
       {0, 0},
       {0, 32},
       {0, 64},
       2,
       16,
       false},
      // Cross-attention: 5 queries over 11 keys and values fused in another source.
      {"q and fused kv",
       {source(2, 5, 16, 14), source(2, 11, 32, 15)},
       {0, 0},
       {1, 0},
       {1, 16},
       2,
       8,
       false},
      // Three separate sources, and columns no head reads (their gradient is 0).
      {"separate q, k, v",
       {source(2, 6, 20, 16), source(2, 9, 16, 17), source(2, 9, 16, 18)},
       {0, 4},
       {1, 0},
       {2, 0},
       2,
       8,
       true},
  };
  for (const AttentionCase& c : cases) {
    SCOPED_TRACE(c.what);
    const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
    const mx::array& q = c.sources[c.q.source];
    const mx::array cotangent = mx::random::normal({q.shape(0), q.shape(1), c.heads * c.head_dim},
                                                   mx::float32, mx::random::key(99));
    const auto ours = mx::vjp(
        [&](const std::vector<mx::array>& in) {
          return std::vector<mx::array>{
              attention_heads_cpu(in, c.q, c.k, c.v, c.heads, c.head_dim, scale, c.causal)};
        },
        c.sources, {cotangent});
    const auto theirs = mx::vjp(
        [&](const std::vector<mx::array>& in) {
          return std::vector<mx::array>{reference_attention(in, c, scale)};
        },
        c.sources, {cotangent});
    // Two orders of the chain scores -> softmax -> weighted values and back (float_tolerance.h):
    // a key off by one, a causal mask one position late or a wrong scale fail it.
    const int queries = q.shape(1), keys = c.sources[c.k.source].shape(1);
    testing::Chain chain;
    chain.attention(c.head_dim, queries, keys);
    const std::vector<float> got = values(ours.first[0]), want = values(theirs.first[0]);
    expect_within(got, want, order_bound(chain.forward, largest_magnitude(want)), "output");
    for (size_t s = 0; s < c.sources.size(); ++s) {
      const std::vector<float> dgot = values(ours.second[s]), dwant = values(theirs.second[s]);
      expect_within(dgot, dwant, order_bound(chain.gradient(1), largest_magnitude(dwant)),
                    "gradient of source " + std::to_string(s));
    }
  }
}

TEST(CpuLayerKernels, SelfAndCrossAttentionHeadsOfLayersUseTheKernel) {
  const mx::array qkv = source(1, 4, 3 * 16, 20);
  EXPECT_EQ(self_attention_heads(qkv, 2, true).primitive().name(),
            std::string("MlxocrAttentionHeads"));
  EXPECT_EQ(cross_attention_heads(source(1, 4, 16, 21), source(1, 6, 32, 22), 2).primitive().name(),
            std::string("MlxocrAttentionHeads"));
}

TEST(CpuLayerKernels, AttentionHeadsRejectSourcesThatDoNotHoldEveryHead) {
  const mx::array qkv = source(1, 4, 40, 23);
  EXPECT_THROW(attention_heads_cpu({qkv}, {0, 0}, {0, 16}, {0, 32}, 2, 8, 0.3f, false),
               UsageError);  // v's heads would end at column 48 of 40
  EXPECT_THROW(attention_heads_cpu({qkv}, {1, 0}, {0, 16}, {0, 24}, 2, 8, 0.3f, false),
               UsageError);  // no source 1
}

}  // namespace
}  // namespace mlxocr
