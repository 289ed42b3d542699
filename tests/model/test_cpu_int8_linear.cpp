// The int8 linear kernel (cpu_int8_linear.cpp) against its formula in double precision: the
// activations quantized per row and weight group exactly as the kernel says it does, the weight
// as MLX's quantize stored it; every tail of its 4-row and 48-output tiles, every group size MLX
// offers, a row of zeros. Then against the float layer it stands in for (the dequantized weight):
// within the bound that the activations' rounding allows. The few-row form of a decoding step the
// same way. Skipped on CPUs without AVX-512 VNNI, where nothing calls them.
#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "mlxocr/error.h"
#include "model/array_values.h"
#include "model/cpu_kernels.h"
#include "model/cpu_row_kernels.h"
#include "model/layers.h"

namespace mlxocr {
namespace {

using testing::values;

struct Case {
  int rows, features, outputs, group;
};

// The kernel's formula, in double: y[m, n] = bias[n] + sum_g (sx s sum q c + xsum b). `bound`
// gets, per output, how far the activations' rounding may move it from the float layer:
// sum_k sx[m, g(k)] / 2 * |s[n, g(k)] c[n, k]|, and `size` the size of its terms.
struct Reference {
  std::vector<double> y, bound, size;
};

Reference reference(const std::vector<float>& x, const std::vector<mx::array>& q,
                    const std::vector<float>& bias, const Case& c) {
  const int groups = c.features / c.group;
  const mx::array packed = mx::contiguous(q[0]);
  mx::eval(packed);
  std::vector<std::uint8_t> codes(static_cast<size_t>(c.outputs) * c.features);
  std::memcpy(codes.data(), packed.data<std::uint32_t>(), codes.size());
  const std::vector<float> s = values(q[1]), b = values(q[2]);
  Reference out;
  out.y.assign(static_cast<size_t>(c.rows) * c.outputs, 0.0);
  out.bound = out.size = out.y;
  for (int m = 0; m < c.rows; ++m) {
    std::vector<int> xq(c.features);
    std::vector<double> sx(groups), xsum(groups);
    for (int g = 0; g < groups; ++g) {
      const float* xg = &x[static_cast<size_t>(m) * c.features + g * c.group];
      float amax = 0.0f;
      for (int k = 0; k < c.group; ++k)
        amax = std::max(amax, std::abs(xg[k]));
      const float inverse = amax > 0.0f ? 127.0f / amax : 0.0f;
      sx[g] = amax / 127.0f;
      for (int k = 0; k < c.group; ++k) {
        xq[g * c.group + k] = static_cast<int>(std::nearbyint(xg[k] * inverse));
        xsum[g] += xg[k];
      }
    }
    for (int n = 0; n < c.outputs; ++n) {
      double y = bias[n], bound = 0.0, size = std::abs(bias[n]);
      for (int g = 0; g < groups; ++g) {
        const double sg = s[n * groups + g], bg = b[n * groups + g];
        long dot = 0;
        double weights = 0.0;
        for (int k = g * c.group; k < (g + 1) * c.group; ++k) {
          const int code = codes[static_cast<size_t>(n) * c.features + k];
          dot += static_cast<long>(xq[k]) * code;
          weights += std::abs(sg * code);
          size += std::abs(x[static_cast<size_t>(m) * c.features + k] * (sg * code + bg));
        }
        y += sx[g] * sg * static_cast<double>(dot) + xsum[g] * bg;
        bound += sx[g] / 2.0 * weights;
      }
      out.y[m * c.outputs + n] = y;
      out.bound[m * c.outputs + n] = bound;
      out.size[m * c.outputs + n] = size;
    }
  }
  return out;
}

TEST(CpuInt8Linear, MatchesItsFormulaAndStaysWithinTheRoundingBoundOfTheFloatLayer) {
  if (!int8_linear_supports(64, 16, 64, 8)) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  const std::vector<Case> cases = {
      {1, 64, 16, 32},    {2, 64, 32, 64},   {3, 128, 48, 64},   {4, 128, 64, 128},
      {5, 256, 80, 64},   {7, 96, 96, 32},   {13, 384, 112, 64}, {37, 384, 144, 64},
      {64, 192, 384, 64}, {9, 1536, 48, 64}, {6, 128, 16, 128},
  };
  int seed = 100;
  for (const Case& c : cases) {
    const mx::array w =
        mx::random::normal({c.outputs, c.features}, mx::float32, mx::random::key(seed++));
    mx::array x = mx::random::normal({c.rows, c.features}, mx::float32, mx::random::key(seed++));
    // One input far larger than its group's others, as in a vision transformer's outlier
    // features, and (from 2 rows) a row of zeros.
    x = mx::multiply(x, mx::where(mx::equal(mx::arange(c.features), mx::array(3)), mx::array(40.0f),
                                  mx::array(1.0f)));
    if (c.rows > 1)
      x = mx::concatenate({mx::zeros({1, c.features}), mx::slice(x, {1, 0}, {c.rows, c.features})},
                          0);
    const mx::array bias = mx::random::normal({c.outputs}, mx::float32, mx::random::key(seed++));
    const std::vector<mx::array> q = mx::quantize(w, c.group, 8);
    const std::vector<float> xv = values(x), bv = values(bias);
    const Reference want = reference(xv, q, bv, c);
    const std::vector<float> got = values(int8_linear_cpu(x, q[0], q[1], q[2], c.group, bias));
    const std::vector<float> layer =
        values(mx::matmul(x, mx::transpose(mx::dequantize(q[0], q[1], q[2], c.group, 8))) + bias);
    ASSERT_EQ(got.size(), want.y.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const std::string where = "rows " + std::to_string(c.rows) + ", in " +
                                std::to_string(c.features) + ", out " + std::to_string(c.outputs) +
                                ", group " + std::to_string(c.group) + ", element " +
                                std::to_string(i);
      ASSERT_NEAR(got[i], want.y[i], 2e-6 * want.size[i] + 1e-6) << where;
      ASSERT_LE(std::abs(got[i] - layer[i]), want.bound[i] + 2e-6 * want.size[i] + 1e-6) << where;
    }
    // A row of zeros is exactly the bias (its scale is 0, not a division by 0).
    if (c.rows > 1) {
      for (int n = 0; n < c.outputs; ++n)
        ASSERT_EQ(got[n], bv[n]) << "output " << n;
    }
  }
}

TEST(CpuInt8Linear, FewRowsOfADecodingStepMatchTheSameFormula) {
  // A decoding step's few rows (quantized_linear_rows_cpu, and every 8-bit layer of the fused
  // step) take the int8 path for groups of 64 and 128: one row up to eight at once, then more.
  if (!kernel::int8_rows_supported(64)) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  const std::vector<Case> cases = {{1, 64, 11, 64},  {2, 128, 40, 64},  {3, 256, 300, 128},
                                   {4, 384, 17, 64}, {5, 128, 33, 128}, {8, 256, 64, 64},
                                   {11, 192, 29, 64}};
  int seed = 300;
  for (const Case& c : cases) {
    const mx::array w =
        mx::random::normal({c.outputs, c.features}, mx::float32, mx::random::key(seed++));
    const mx::array x =
        mx::random::normal({c.rows, 1, c.features}, mx::float32, mx::random::key(seed++));
    const mx::array bias = mx::random::normal({c.outputs}, mx::float32, mx::random::key(seed++));
    const std::vector<mx::array> q = mx::quantize(w, c.group, 8);
    const Reference want = reference(values(x), q, values(bias), c);
    const mx::array y = quantized_linear_rows_cpu(x, q[0], q[1], q[2], c.group, 8, bias);
    EXPECT_EQ(y.shape(), (mx::Shape{c.rows, 1, c.outputs}));
    const std::vector<float> got = values(y);
    ASSERT_EQ(got.size(), want.y.size());
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], want.y[i], 2e-6 * want.size[i] + 1e-6)
          << "rows " << c.rows << ", in " << c.features << ", out " << c.outputs << ", group "
          << c.group << ", element " << i;
  }
  EXPECT_FALSE(kernel::int8_rows_supported(32));  // one instruction takes 64 inputs
}

TEST(CpuInt8Linear, LinearOfLayersUsesItForManyRowsOfAnEightBitWeight) {
  if (!int8_linear_supports(64, 96, 64, 8)) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  Linear layer;
  layer.weight = mx::random::normal({96, 64}, mx::float32, mx::random::key(200));
  layer.bias = mx::random::normal({96}, mx::float32, mx::random::key(201));
  const Linear quantized = quantize_linear(layer, 64, 8);
  const QuantizedMatrix& q = *quantized.quantized;
  const mx::array x = mx::random::normal({2, 20, 64}, mx::float32, mx::random::key(202));
  const mx::array y = linear(x, quantized);
  EXPECT_EQ(y.shape(), (mx::Shape{2, 20, 96}));
  const std::vector<float> got = values(y);
  const std::vector<float> want = values(
      int8_linear_cpu(mx::reshape(x, {40, 64}), q.packed, q.scales, q.biases, 64, layer.bias));
  EXPECT_EQ(got, want);

  // Its gradient with respect to x goes through the dequantized weight; the weight has none.
  const mx::array dequantized = mx::dequantize(q.packed, q.scales, q.biases, 64, 8);
  const mx::array g = mx::random::normal({2, 20, 96}, mx::float32, mx::random::key(203));
  auto [out, grads] = mx::vjp(
      [&](const std::vector<mx::array>& in) {
        return std::vector<mx::array>{linear(in[0], quantized)};
      },
      {x}, {g});
  const std::vector<float> dx = values(grads[0]), dx_want = values(mx::matmul(g, dequantized));
  ASSERT_EQ(dx.size(), dx_want.size());
  for (size_t i = 0; i < dx.size(); ++i)
    EXPECT_NEAR(dx[i], dx_want[i], 1e-5 * (1.0 + std::abs(dx_want[i]))) << "element " << i;

  // Shapes it does not take are refused plainly, not computed wrong.
  EXPECT_FALSE(int8_linear_supports(64, 20, 64, 8));  // outputs not a multiple of 16
  EXPECT_FALSE(int8_linear_supports(64, 96, 64, 4));  // 4-bit codes
  EXPECT_THROW(
      int8_linear_cpu(mx::reshape(x, {40, 64}), q.packed, q.scales, q.biases, 32, std::nullopt),
      UsageError);
}

}  // namespace
}  // namespace mlxocr
