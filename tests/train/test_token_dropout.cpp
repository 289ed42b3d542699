// drop_decoder_inputs (mlxocr train --token-dropout): which decoder inputs it may hide, how many,
// and that the same seed hides the same ones (a resumed run must see the same batches).
#include <gtest/gtest.h>

#include <mlx/ops.h>

#include <vector>

#include "train/batch.h"

namespace mlxocr {
namespace {

constexpr int kStart = 2, kPad = 1, kMask = 3;

std::vector<int> ids_of(const mx::array& a) {
  mx::array c = mx::astype(a, mx::int32);
  mx::eval(c);
  return {c.data<int>(), c.data<int>() + c.size()};
}

// Two rows as shift_tokens_right makes them: the start token, the text, padding.
mx::array inputs() {
  std::vector<int> v = {kStart, 0, 40, 41, 42,   43,   44,   45,
                        kStart, 0, 50, 51, kPad, kPad, kPad, kPad};
  return mx::array(v.data(), {2, 8}, mx::int32);
}

TEST(TokenDropout, NoneAtZeroEveryTextTokenAtOneNeverStartOrPadding) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(ids_of(drop_decoder_inputs(inputs(), 0.0f, kMask, kPad, rng)), ids_of(inputs()));
  const std::vector<int> all = ids_of(drop_decoder_inputs(inputs(), 1.0f, kMask, kPad, rng));
  const std::vector<int> want = {kStart, kMask, kMask, kMask, kMask, kMask, kMask, kMask,
                                 kStart, kMask, kMask, kMask, kPad,  kPad,  kPad,  kPad};
  EXPECT_EQ(all, want);
}

TEST(TokenDropout, HidesAboutTheAskedShareAndRepeatsWithTheSeed) {
  std::vector<int> v(64 * 50, 7);
  for (int r = 0; r < 64; ++r)
    v[r * 50] = kStart;
  const mx::array many(v.data(), {64, 50}, mx::int32);
  std::mt19937_64 a(42), b(42), c(43);
  const std::vector<int> first = ids_of(drop_decoder_inputs(many, 0.3f, kMask, kPad, a));
  EXPECT_EQ(first, ids_of(drop_decoder_inputs(many, 0.3f, kMask, kPad, b)));
  EXPECT_NE(first, ids_of(drop_decoder_inputs(many, 0.3f, kMask, kPad, c)));
  int hidden = 0;
  for (int x : first)
    hidden += x == kMask;
  EXPECT_NEAR(hidden / (64.0 * 49.0), 0.3, 0.03);  // 3136 draws: 3 standard deviations ~ 0.025
}

}  // namespace
}  // namespace mlxocr
