// Once OpenBLAS is left single-threaded (blas_threads.h, as the first int8 layer does), the
// products it still computes are shared out between our own threads: whole attention heads
// (heads too big to cut into row blocks, which OpenBLAS threaded before) and the rows of the
// many-row linear layer. Each part is the same product on fewer rows, so the results must equal
// those of before up to float32 rounding. gtest runs this in its own process (ctest), and the
// switch is one-way: the test takes both measurements itself.
#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>

#include <cmath>
#include <optional>
#include <vector>

#include "model/array_values.h"
#include "model/blas_threads.h"
#include "model/cpu_kernels.h"

namespace mlxocr {
namespace {

using testing::values;

void expect_close(const std::vector<float>& got, const std::vector<float>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 1e-5 * (1.0 + std::abs(want[i]))) << what << ", element " << i;
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

  ASSERT_FALSE(kernel::blas_single_threaded());
  const std::vector<float> attention_before = attention(), linear_before = linear();
  kernel::leave_blas_single_threaded();
  kernel::leave_blas_single_threaded();  // idempotent
  ASSERT_TRUE(kernel::blas_single_threaded());
  expect_close(attention(), attention_before, "attention");
  expect_close(linear(), linear_before, "linear");
}

}  // namespace
}  // namespace mlxocr
