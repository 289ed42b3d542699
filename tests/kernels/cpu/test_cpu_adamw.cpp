// The AdamW and gradient-norm kernels against torch.optim.AdamW's arithmetic written out in
// double precision, with a clipping factor and weight decay; AdamWParity (test_training_parity.cpp)
// checks three steps of the whole optimizer against torch itself.
#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/adamw.h"
#include "model/array_values.h"

namespace mlxocr {
namespace {

using testing::values;

TEST(CpuAdamW, OneStepMatchesTheFormulaInDoublePrecision) {
  // 100 003 elements: spans on two threads and a tail that is not a multiple of 8.
  const int n = 100003;
  const mx::array p = mx::random::normal({n}, mx::float32, mx::random::key(1));
  const mx::array g = mx::random::normal({n}, mx::float32, 0.0f, 0.01f, mx::random::key(2));
  const mx::array m = mx::random::normal({n}, mx::float32, 0.0f, 0.01f, mx::random::key(3));
  const mx::array v =
      mx::abs(mx::random::normal({n}, mx::float32, 0.0f, 1e-4f, mx::random::key(4)));
  const double lr = 1e-3, wd = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, scale = 0.37;
  const int step = 3;
  const double c1 = 1.0 - std::pow(b1, step), c2 = 1.0 - std::pow(b2, step);
  const AdamWScalars s{
      static_cast<float>(1.0 - lr * wd), static_cast<float>(1.0 - b1),      static_cast<float>(b2),
      static_cast<float>(1.0 - b2),      static_cast<float>(std::sqrt(c2)), static_cast<float>(eps),
      static_cast<float>(lr / c1)};
  const std::vector<mx::array> out =
      adamw_step_cpu(p, g, mx::array(static_cast<float>(scale)), m, v, s);
  const std::vector<float> ps = values(p), gs = values(g), ms = values(m), vs = values(v);
  const std::vector<float> p2 = values(out[0]), m2 = values(out[1]), v2 = values(out[2]);
  for (int i = 0; i < n; ++i) {
    const double grad = gs[i] * scale;
    const double new_m = b1 * ms[i] + (1.0 - b1) * grad;
    const double new_v = b2 * vs[i] + (1.0 - b2) * grad * grad;
    const double update = lr / c1 * new_m / (std::sqrt(new_v) / std::sqrt(c2) + eps);
    const double new_p = ps[i] * (1.0 - lr * wd) - update;
    // Relative to the size of the terms: m' and p' are differences that may nearly cancel.
    ASSERT_NEAR(m2[i], new_m, 1e-6 * (std::abs(ms[i]) + std::abs(grad))) << "element " << i;
    ASSERT_NEAR(v2[i], new_v, 1e-6 * new_v + 1e-15) << "element " << i;
    ASSERT_NEAR(p2[i], new_p, 1e-6 * (std::abs(ps[i]) + std::abs(update))) << "element " << i;
  }
}

TEST(CpuAdamW, SumOfSquaresMatchesDoublePrecisionAndIsAScalar) {
  for (int n : {1, 7, 4096, 1000001}) {
    const mx::array x = mx::random::normal({n}, mx::float32, mx::random::key(n));
    const mx::array got = sum_of_squares_cpu(x);
    EXPECT_EQ(got.ndim(), 0u);
    double want = 0.0;
    for (float value : values(x))
      want += static_cast<double>(value) * value;
    EXPECT_NEAR(values(got)[0], want, 1e-6 * want) << n << " elements";
  }
}

}  // namespace
}  // namespace mlxocr
