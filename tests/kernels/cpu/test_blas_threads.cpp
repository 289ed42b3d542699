// Once OpenBLAS is left single-threaded (blas_threads.h, as the first int8 layer does), the
// products it still computes are shared out between our own threads: whole attention heads
// (heads too big to cut into row blocks, which OpenBLAS threaded before) and the rows of the
// many-row linear layer and of both its gradients (a training step runs this way from its start).
// Each part is the same product on fewer rows, so the results must equal
// those of before up to float32 rounding. gtest runs this in its own process (ctest), and the
// switch is one-way: the test takes both measurements itself.
#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "float_tolerance.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/blas_threads.h"
#include "kernels/cpu/linear.h"
#include "model/array_values.h"

namespace mlxocr {
namespace {

using testing::expect_within;
using testing::order_bound;
using testing::values;

// Within the rounding (float_tolerance.h) of sums of `terms` products in two orders, relative
// to the largest result (the weight gradient's entries sum 600 products, some cancelling to far
// less than their terms). A row or head left out, or computed twice, fails it by far.
void expect_close(const std::vector<float>& got, const std::vector<float>& want, double terms,
                  const char* what) {
  expect_within(got, want, order_bound(terms, testing::largest_magnitude(want)), what);
}

TEST(BlasThreads, OurThreadsSharingTheProductsGiveTheSameResults) {
  // Two images of 300 tokens, 4 heads of 64: 300 x 300 x 64 multiply-adds per head, above the
  // size that attention_heads_cpu otherwise leaves to OpenBLAS's threads.
  const int heads = 4, head_dim = 64, width = heads * head_dim;
  const mx::array qkv = mx::random::normal({2, 300, 3 * width}, mx::float32, mx::random::key(1));
  const mx::array x = mx::random::normal({600, 384}, mx::float32, mx::random::key(2));
  const mx::array w = mx::random::normal({320, 384}, mx::float32, mx::random::key(3));
  const mx::array b = mx::random::normal({320}, mx::float32, mx::random::key(4));
  auto attention = [&] {
    return values(attention_heads_cpu({qkv}, {0, 0}, {0, width}, {0, 2 * width}, heads, head_dim,
                                      0.125f, false));
  };
  auto linear = [&] { return values(linear_cpu(x, w, b)); };
  const mx::array g = mx::random::normal({600, 320}, mx::float32, mx::random::key(5));
  auto gradients = [&] {
    auto [outputs, grads] = mx::vjp(
        [](const std::vector<mx::array>& in) {
          return std::vector<mx::array>{linear_cpu(in[0], in[1], in[2])};
        },
        {x, w, b}, {g});
    return std::vector<std::vector<float>>{values(grads[0]), values(grads[1]), values(grads[2])};
  };

  ASSERT_FALSE(kernel::blas_single_threaded());
  const std::vector<float> attention_before = attention(), linear_before = linear();
  const std::vector<std::vector<float>> gradients_before = gradients();
  kernel::leave_blas_single_threaded();
  kernel::leave_blas_single_threaded();  // idempotent
  ASSERT_TRUE(kernel::blas_single_threaded());
  expect_close(attention(), attention_before, head_dim + 2 * 300, "attention");
  expect_close(linear(), linear_before, 384, "linear");
  const std::vector<std::vector<float>> gradients_after = gradients();
  expect_close(gradients_after[0], gradients_before[0], 320, "gradient of the input");
  expect_close(gradients_after[1], gradients_before[1], 600, "gradient of the weight");
  expect_close(gradients_after[2], gradients_before[2], 600, "gradient of the bias");
}

}  // namespace
}  // namespace mlxocr
