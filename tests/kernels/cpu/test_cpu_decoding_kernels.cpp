// The decoding-step kernels against the formulas in double precision: the linear layer on a few
// rows (every row count up to the 8 it takes at once, tails of the 8 lanes and of the weight-row
// blocks, a strided input, the threaded path), its 4- and 8-bit quantized form (against MLX's
// dequantize and quantized_matmul), the one-query attention (against MLX's fused attention) and
// the log-sum-exp (large, infinite and NaN entries); their gradients against MLX's own ops. The
// generation parity tests against transformers decode through all of them.
#include <gtest/gtest.h>
#include <mlx/fast.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "float_tolerance.h"
#include "kernels/cpu/decode_attention.h"
#include "kernels/cpu/linear_rows.h"
#include "kernels/cpu/logsumexp.h"
#include "kernels/cpu/row_kernels.h"
#include "kernels/cpu/threads.h"
#include "kernels/cpu/top_k.h"
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

// x [rows, in] . w [out, in]^T + b, in double; `scale` gets sum |x w| + |b| per entry, the size
// float32 rounding is relative to.
std::vector<double> linear_reference(const std::vector<float>& x, const std::vector<float>& w,
                                     const std::vector<float>* b, int rows, int in, int out,
                                     std::vector<double>& scale) {
  std::vector<double> y(static_cast<size_t>(rows) * out);
  scale.assign(y.size(), 0.0);
  for (int r = 0; r < rows; ++r) {
    for (int o = 0; o < out; ++o) {
      double sum = b ? (*b)[o] : 0.0, size = b ? std::abs((*b)[o]) : 0.0;
      for (int k = 0; k < in; ++k) {
        sum += static_cast<double>(x[r * in + k]) * w[o * in + k];
        size += std::abs(static_cast<double>(x[r * in + k]) * w[o * in + k]);
      }
      y[r * out + o] = sum;
      scale[r * out + o] = size;
    }
  }
  return y;
}

void expect_linear(const mx::array& x, const mx::array& w, const std::optional<mx::array>& b) {
  const int in = w.shape(1), out = w.shape(0);
  const int rows = static_cast<int>(x.size()) / in;
  const std::vector<float> xv = values(x), wv = values(w);
  const std::vector<float> bv = b ? values(*b) : std::vector<float>{};
  std::vector<double> scale;
  const std::vector<double> want =
      linear_reference(xv, wv, b ? &bv : nullptr, rows, in, out, scale);
  const mx::array y = linear_rows_cpu(x, w, b);
  mx::Shape shape = x.shape();
  shape.back() = out;
  EXPECT_EQ(y.shape(), shape);
  const std::vector<float> got = values(y);
  ASSERT_EQ(got.size(), want.size());
  // An inner product of `in` terms and the bias against double precision: lambda sqrt(n) u
  // sum |x w| (float_tolerance.h), per element. A weight row or an input column off by one, or
  // the bias left out, fails it.
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], rounding_bound(in + 1, scale[i]) + 1e-30)
        << "rows " << rows << ", element " << i;
}

TEST(CpuDecodingKernels, LinearRowsMatchesDoublePrecisionForEveryRowCount) {
  // in = 37: four 8-float pieces (one block of four partial sums at one row of x, two blocks of
  // two at two or three rows) and a scalar tail; the threaded test below has in = 80, where the
  // single 8-float pieces after the blocks are used.
  const mx::array w = mx::random::normal({13, 37}, mx::float32, mx::random::key(1));
  const mx::array b = mx::random::normal({13}, mx::float32, mx::random::key(2));
  for (int rows = 1; rows <= kLinearRowsMax; ++rows) {
    const mx::array x = mx::random::normal({rows, 1, 37}, mx::float32, mx::random::key(3 + rows));
    expect_linear(x, w, b);
    expect_linear(x, w, std::nullopt);
  }
}

TEST(CpuDecodingKernels, LinearRowsTakesMoreRowsEightAtATimeAndAStridedInput) {
  const mx::array w = mx::random::normal({21, 64}, mx::float32, mx::random::key(20));
  const mx::array x = mx::random::normal({64, 11}, mx::float32, mx::random::key(21));
  expect_linear(mx::transpose(x), w, std::nullopt);  // 11 rows, read through a transpose
}

TEST(CpuDecodingKernels, LinearRowsSharesABigWeightBetweenThreads) {
  set_cpu_kernel_threads(2);  // 4101 x 80 floats: enough work for two threads
  const mx::array w = mx::random::normal({4101, 80}, mx::float32, mx::random::key(22));
  const mx::array b = mx::random::normal({4101}, mx::float32, mx::random::key(23));
  for (int rows : {1, 3}) {
    expect_linear(mx::random::normal({rows, 80}, mx::float32, mx::random::key(24 + rows)), w, b);
  }
  set_cpu_kernel_threads(0);
}

TEST(CpuDecodingKernels, LinearRowsGradientsEqualThoseOfMatmul) {
  const mx::array x = mx::random::normal({2, 1, 19}, mx::float32, mx::random::key(30));
  const mx::array w = mx::random::normal({7, 19}, mx::float32, mx::random::key(31));
  const mx::array b = mx::random::normal({7}, mx::float32, mx::random::key(32));
  const mx::array g = mx::random::normal({2, 1, 7}, mx::float32, mx::random::key(33));
  auto ours = [](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{linear_rows_cpu(in[0], in[1], in[2])};
  };
  auto theirs = [](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{mx::matmul(in[0], mx::transpose(in[1])) + in[2]};
  };
  const auto got = mx::vjp(ours, {x, w, b}, {g}).second;
  const auto want = mx::vjp(theirs, {x, w, b}, {g}).second;
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].shape(), want[i].shape()) << "input " << i;
    // Sums of 7 (the input's gradient) and 2 (the weight's and bias's: the rows) in two orders.
    const std::vector<float> a = values(got[i]), e = values(want[i]);
    expect_within(a, e, order_bound(i == 0 ? 7 : 2, largest_magnitude(e)),
                  "input " + std::to_string(i));
  }
}

TEST(CpuDecodingKernels, LinearOfLayersUsesItOnlyForFewRows) {
  // Both sides of the switch in linear(): 8 rows (kernel) and 9 rows (matmul) give the same.
  Linear layer;
  layer.weight = mx::random::normal({10, 24}, mx::float32, mx::random::key(40));
  layer.bias = mx::random::normal({10}, mx::float32, mx::random::key(41));
  const mx::array x = mx::random::normal({9, 24}, mx::float32, mx::random::key(42));
  const std::vector<float> all = values(linear(x, layer));
  const std::vector<float> first8 = values(linear(mx::slice(x, {0, 0}, {8, 24}), layer));
  // The kernel and OpenBLAS sum the 24 products and the bias in their own orders.
  const std::vector<float> want(all.begin(), all.begin() + first8.size());
  expect_within(first8, want, order_bound(24 + 1, largest_magnitude(want)), "8 rows");
}

TEST(CpuDecodingKernels, QuantizedLinearRowsEqualsTheDequantizedWeights) {
  // The kernel's unpacking against MLX's own dequantize, its sums against double precision.
  const mx::array w = mx::random::normal({11, 128}, mx::float32, mx::random::key(60));
  const mx::array b = mx::random::normal({11}, mx::float32, mx::random::key(61));
  for (int bits : {4, 8}) {
    for (int group : {32, 64}) {
      // 8-bit weights in groups of 64 are int8 products on CPUs with AVX-512 VNNI, checked
      // against their own formula in test_cpu_int8_linear.cpp.
      if (bits == 8 && kernel::int8_rows_supported(group)) continue;
      const std::vector<mx::array> q = mx::quantize(w, group, bits);
      const std::vector<float> dequantized = values(mx::dequantize(q[0], q[1], q[2], group, bits));
      for (int rows : {1, 2, 3, 4, 5, 8}) {
        const mx::array x =
            mx::random::normal({rows, 128}, mx::float32, mx::random::key(62 + rows));
        std::vector<double> scale;
        const std::vector<float> bv = values(b);
        const std::vector<double> want =
            linear_reference(values(x), dequantized, &bv, rows, 128, 11, scale);
        const std::vector<float> got =
            values(quantized_linear_rows_cpu(x, q[0], q[1], q[2], group, bits, b));
        ASSERT_EQ(got.size(), want.size());
        // As expect_linear: 128 products and the bias, each weight dequantized (q s + b: two
        // more roundings per term).
        for (size_t i = 0; i < got.size(); ++i)
          EXPECT_NEAR(got[i], want[i], rounding_bound(3 * 128 + 1, scale[i]))
              << bits << " bits, group " << group << ", rows " << rows << ", element " << i;
      }
    }
  }
}

TEST(CpuDecodingKernels, QuantizedLinearOfLayersAgreesWithMlxQuantizedMatmul) {
  Linear layer;
  layer.weight = mx::random::normal({300, 64}, mx::float32, mx::random::key(70));
  layer.bias = mx::random::normal({300}, mx::float32, mx::random::key(71));
  // Groups of 32: in groups of 64 a CPU with AVX-512 VNNI quantizes x too (int8 products,
  // test_cpu_int8_linear.cpp), which MLX's quantized matmul does not.
  const Linear quantized = quantize_linear(layer, 32, 8);
  const QuantizedMatrix& q = *quantized.quantized;
  const mx::array x = mx::random::normal({1, 1, 64}, mx::float32, mx::random::key(72));
  const std::vector<float> got = values(linear(x, quantized));
  const std::vector<float> want =
      values(mx::quantized_matmul(x, q.packed, q.scales, q.biases, true, q.group_size, q.bits) +
             *layer.bias);
  // 64 products of dequantized weights (q s + b: two roundings more per term) and the bias, in
  // two orders; a group's scale or bias taken from the next group fails it.
  expect_within(got, want, order_bound(3 * 64 + 1, largest_magnitude(want)), "quantized linear");
  EXPECT_THROW(quantized_linear_rows_cpu(x, q.packed, q.scales, q.biases, 32, 3, std::nullopt),
               UsageError);
}

TEST(CpuDecodingKernels, OneQueryAttentionEqualsMlxFusedAttention) {
  for (int dim : {32, 64}) {
    for (int keys : {1, 7, 577}) {
      const mx::array q = mx::random::normal({2, 3, 1, dim}, mx::float32, mx::random::key(80));
      // Keys and values as the decoder's cache holds them: the first `keys` rows of a longer
      // buffer, a strided view.
      const mx::array cache_k =
          mx::random::normal({2, 3, keys + 5, dim}, mx::float32, mx::random::key(81));
      const mx::array cache_v =
          mx::random::normal({2, 3, keys + 5, dim}, mx::float32, mx::random::key(82));
      const mx::array k = mx::slice(cache_k, {0, 0, 0, 0}, {2, 3, keys, dim});
      const mx::array v = mx::slice(cache_v, {0, 0, 0, 0}, {2, 3, keys, dim});
      ASSERT_TRUE(attend_one_query_supports(q, k));
      const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
      const std::vector<float> got = values(attend_one_query_cpu(q, k, v, scale));
      const std::vector<float> want = values(mx::fast::scaled_dot_product_attention(
          q, mx::contiguous(k), mx::contiguous(v), scale, ""));
      // Scores over dim, softmax and values over the keys, in two orders (float_tolerance.h).
      testing::Chain chain;
      chain.attention(dim, 1, keys);
      expect_within(got, want, order_bound(chain.forward, largest_magnitude(want)),
                    "dim " + std::to_string(dim) + ", keys " + std::to_string(keys));
    }
  }
  // Not for several queries, nor for head widths that are not a multiple of 8.
  EXPECT_FALSE(attend_one_query_supports(mx::zeros({1, 2, 3, 32}), mx::zeros({1, 2, 5, 32})));
  EXPECT_FALSE(attend_one_query_supports(mx::zeros({1, 2, 1, 12}), mx::zeros({1, 2, 5, 12})));
}

TEST(CpuDecodingKernels, OneQueryAttentionGradientsEqualThoseOfMlxOps) {
  const mx::array q = mx::random::normal({1, 2, 1, 16}, mx::float32, mx::random::key(90));
  const mx::array k = mx::random::normal({1, 2, 9, 16}, mx::float32, mx::random::key(91));
  const mx::array v = mx::random::normal({1, 2, 9, 16}, mx::float32, mx::random::key(92));
  const mx::array g = mx::random::normal({1, 2, 1, 16}, mx::float32, mx::random::key(93));
  auto ours = [](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{attend_one_query_cpu(in[0], in[1], in[2], 0.25f)};
  };
  auto theirs = [](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{
        mx::fast::scaled_dot_product_attention(in[0], in[1], in[2], 0.25f, "")};
  };
  const auto got = mx::vjp(ours, {q, k, v}, {g}).second;
  const auto want = mx::vjp(theirs, {q, k, v}, {g}).second;
  testing::Chain chain;
  chain.attention(16, 1, 9);
  for (int i = 0; i < 3; ++i) {
    const std::vector<float> a = values(got[i]), e = values(want[i]);
    expect_within(a, e, order_bound(chain.gradient(1), largest_magnitude(e)),
                  "input " + std::to_string(i));
  }
}

double logsumexp_reference(const std::vector<float>& row) {
  double top = -std::numeric_limits<double>::infinity();
  for (float v : row)
    top = std::max(top, static_cast<double>(v));
  double sum = 0.0;
  for (float v : row)
    sum += std::exp(v - top);
  return top + std::log(sum);
}

TEST(CpuDecodingKernels, LogSumExpMatchesDoublePrecisionAtAnyScale) {
  // 3 rows of 1001 (a tail after the 8 lanes) at spreads up to logits of +-800: no overflow.
  for (float spread : {0.5f, 10.0f, 200.0f}) {
    const mx::array x = mx::random::normal({3, 1001}, mx::float32, 0.0f, spread,
                                           mx::random::key(static_cast<int>(spread)));
    const mx::array lse = logsumexp_cpu(x);
    EXPECT_EQ(lse.shape(), (mx::Shape{3, 1}));
    const std::vector<float> xv = values(x), got = values(lse);
    for (int r = 0; r < 3; ++r) {
      const std::vector<float> row(xv.begin() + r * 1001, xv.begin() + (r + 1) * 1001);
      const double want = logsumexp_reference(row);
      // The sum of 1001 positive exp(x - top) (each exp rounded too) has a relative error of
      // rounding_bound(2 n, 1), an absolute one after the log; then top + log rounds once more.
      EXPECT_NEAR(got[r], want, rounding_bound(2 * 1001, 1.0) + rounding_bound(2, std::abs(want)))
          << "spread " << spread;
    }
  }
}

TEST(CpuDecodingKernels, LogSumExpOfInfiniteAndNanRows) {
  const float inf = std::numeric_limits<float>::infinity();
  // Rows of 9: -inf entries are ignored; all -inf gives -inf; +inf gives +inf; NaN gives NaN,
  // in the vector part (first 8) and in the tail (9th) alike.
  const std::vector<float> data = {
      0.0f, -inf,          -inf, -inf, -inf, -inf, -inf, -inf, 0.0f,           // log 2
      -inf, -inf,          -inf, -inf, -inf, -inf, -inf, -inf, -inf,           // -inf
      1.0f, 2.0f,          inf,  3.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f,           // +inf
      1.0f, 2.0f,          3.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, std::nanf(""),  // NaN in the tail
      1.0f, std::nanf(""), 3.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f,           // NaN in a vector
  };
  const std::vector<float> got = values(logsumexp_cpu(mx::array(data.data(), {5, 9})));
  EXPECT_NEAR(got[0], std::log(2.0), rounding_bound(2, 1.0));
  EXPECT_EQ(got[1], -inf);
  EXPECT_EQ(got[2], inf);
  EXPECT_TRUE(std::isnan(got[3]));
  EXPECT_TRUE(std::isnan(got[4]));
}

TEST(CpuDecodingKernels, TopIndicesAreTheBestEntriesBestFirstWithTiesToTheLowerIndex) {
  // Values on a coarse grid (many ties), some -inf (banned tokens) and NaN; rows long enough to
  // be cut into several parts (32 768 entries each) and short ones.
  for (const auto& [rows, n, k] : std::vector<std::tuple<int, int, int>>{
           {1, 5, 1}, {1, 5, 4}, {2, 1000, 8}, {3, 70000, 8}, {1, 256176, 8}, {2, 40000, 3}}) {
    const mx::array grid =
        mx::round(mx::random::normal({rows, n}, mx::float32, mx::random::key(n + k)) * 4.0f);
    std::vector<float> x = values(grid);
    for (size_t i = 0; i < x.size(); i += 7)
      x[i] = -std::numeric_limits<float>::infinity();
    for (size_t i = 3; i < x.size(); i += 11)
      x[i] = std::numeric_limits<float>::quiet_NaN();
    const mx::array input(x.data(), {rows, n}, mx::float32);
    const mx::array got = top_indices_cpu(input, k);
    ASSERT_EQ(got.shape(), (mx::Shape{rows, k}));
    ASSERT_EQ(got.dtype(), mx::int32);
    mx::eval(got);
    for (int r = 0; r < rows; ++r) {
      std::vector<int> order;
      for (int i = 0; i < n; ++i)
        if (!std::isnan(x[static_cast<size_t>(r) * n + i])) order.push_back(i);
      // The row's start, outside the lambda: clang 14 cannot capture the structured binding n.
      const float* row = x.data() + static_cast<size_t>(r) * n;
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b]; });
      for (int i = 0; i < k; ++i)
        ASSERT_EQ(got.data<std::int32_t>()[r * k + i], order[i])
            << "rows " << rows << ", n " << n << ", k " << k << ", row " << r << ", place " << i;
    }
  }
  EXPECT_THROW(top_indices_cpu(mx::zeros({2, 4}), 5), UsageError);
}

TEST(CpuDecodingKernels, LogSumExpGradientIsTheSoftmax) {
  const mx::array x = mx::random::normal({2, 3, 50}, mx::float32, 0.0f, 3.0f, mx::random::key(50));
  const mx::array g = mx::random::normal({2, 3, 1}, mx::float32, mx::random::key(51));
  const auto grads = mx::vjp(
      [](const std::vector<mx::array>& in) { return std::vector<mx::array>{logsumexp_cpu(in[0])}; },
      {x}, {g});
  const std::vector<float> got = values(grads.second[0]);
  const std::vector<float> want = values(g * mx::softmax(x, -1, true));
  // Two softmaxes over 50 (sums of 50 exps) times g.
  expect_within(got, want, order_bound(2 * 50 + 1, largest_magnitude(want)), "gradient");
}

}  // namespace
}  // namespace mlxocr
