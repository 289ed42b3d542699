// Teacher forcing on the positions that count only (row_packing.h): which positions a batch's
// labels keep, the row gathers and their gradients against MLX's take, and the packed decoder
// against the padded one at every kept position, logits and gradients. (That the training step's
// loss and gradients through the packed decoder equal transformers' is tested in
// tests/train/test_training_parity.cpp, whose batch has rows of different lengths.)
#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "float_tolerance.h"
#include "kernels/cpu/take_rows.h"
#include "mlxocr/error.h"
#include "model/array_values.h"
#include "model/model.h"
#include "model/row_packing.h"
#include "model_chain.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::expect_within;
using testing::largest_magnitude;
using testing::order_bound;
using testing::values;

std::vector<std::int32_t> ints(const mx::array& a) {
  mx::array c = mx::contiguous(mx::astype(a, mx::int32));
  mx::eval(c);
  return {c.data<std::int32_t>(), c.data<std::int32_t>() + c.size()};
}

TEST(RowPacking, KeepsEachRowUpToItsLastLabel) {
  const std::vector<std::int32_t> labels = {5,    6,    -100, -100,  //
                                            7,    -100, -100, -100,  //
                                            1,    2,    3,    4,     //
                                            -100, -100, -100, -100};
  const RowPacking packing = RowPacking::from_labels(mx::array(labels.data(), {4, 4}, mx::int32));
  EXPECT_EQ(packing.rows(), 2 + 1 + 4 + 1);  // a row without labels keeps its first position
  EXPECT_TRUE(packing.packs());
  EXPECT_EQ(ints(packing.gather(mx::array(labels.data(), {4, 4}, mx::int32))),
            (std::vector<std::int32_t>{5, 6, 7, 1, 2, 3, 4, -100}));

  const std::vector<std::int32_t> full = {1, 2, 3, 4, 5, 6};
  EXPECT_FALSE(RowPacking::from_labels(mx::array(full.data(), {2, 3}, mx::int32)).packs());
  EXPECT_THROW(RowPacking({0, 2}, 3), UsageError);
  EXPECT_THROW(RowPacking({4}, 3), UsageError);
}

TEST(RowPacking, SpreadPutsEachRowAtItsPositionAndGatherTakesItBack) {
  const RowPacking packing({2, 3}, 3);
  const std::vector<float> rows = {1, 10, 2, 20, 3, 30, 4, 40, 5, 50};  // [5, 2]
  const mx::array spread = packing.spread(mx::array(rows.data(), {5, 2}, mx::float32));
  ASSERT_EQ(spread.shape(), (mx::Shape{2, 3, 2}));
  // Sequence 0's third position is left out: it holds a copy of the sequence's first row.
  EXPECT_EQ(values(spread), (std::vector<float>{1, 10, 2, 20, 1, 10, 3, 30, 4, 40, 5, 50}));
  EXPECT_EQ(values(packing.gather(spread)), rows);
}

TEST(RowPacking, TakeRowsAndItsGradientEqualMlxTake) {
  const mx::array x = mx::random::normal({6, 5}, mx::float32, mx::random::key(1));
  const std::vector<std::int32_t> picks = {4, 0, 4, 2, 5, 4, 1};  // repeats add up in the gradient
  const mx::array g = mx::random::normal({7, 5}, mx::float32, mx::random::key(2));
  auto run = [&](bool ours) {
    return mx::vjp(
        [&](const std::vector<mx::array>& in) {
          if (ours)
            return std::vector<mx::array>{
                take_rows_cpu(in[0], std::make_shared<const std::vector<std::int32_t>>(picks))};
          const mx::array index(picks.data(), {7}, mx::int32);
          return std::vector<mx::array>{mx::take(in[0], index, 0)};
        },
        {x}, {g});
  };
  const auto [ours_out, ours_grad] = run(true);
  const auto [mlx_out, mlx_grad] = run(false);
  EXPECT_EQ(values(ours_out[0]), values(mlx_out[0]));
  // A row's gradient adds the cotangent rows that picked it, at most 3 here, in another order.
  const std::vector<float> want_grad = values(mlx_grad[0]);
  expect_within(values(ours_grad[0]), want_grad, order_bound(3, largest_magnitude(want_grad)),
                "gradient");
  EXPECT_THROW(take_rows_cpu(x, std::make_shared<const std::vector<std::int32_t>>(std::vector{6})),
               UsageError);
}

class PackedDecoderTest : public ::testing::TestWithParam<std::string> {};

// The packed pass computes the kept positions' logits and, for a loss on them, every gradient of
// the padded pass: nothing kept reads a position left out.
TEST_P(PackedDecoderTest, EqualsThePaddedPassAtEveryKeptPosition) {
  const TrOCRModel model = load_model(testing::model_fixture(GetParam()));
  const EncoderConfig& e = model.config.encoder;
  const int batch = 3, length = 7;
  const mx::array pixels = mx::random::normal(
      {batch, e.num_channels, e.image_height, e.image_width}, mx::float32, mx::random::key(3));
  const mx::array ids = mx::random::randint(3, model.config.decoder.vocab_size, {batch, length},
                                            mx::int32, mx::random::key(4));
  const RowPacking packing({3, 7, 1}, length);
  const mx::array states = model.decoder_inputs(model.encode(pixels));
  const mx::array cotangent = mx::random::normal({packing.rows(), model.config.decoder.vocab_size},
                                                 mx::float32, mx::random::key(5));
  // The gradient of sum(cotangent * kept logits) with respect to the encoder states and the
  // decoder's token embeddings.
  auto run = [&](bool packed) {
    return mx::vjp(
        [&](const std::vector<mx::array>& in) {
          TrOCRModel traced = model;
          traced.decoder.embed_tokens.weight = in[1];
          const mx::array logits = packed ? traced.decoder.forward(ids, in[0], packing)
                                          : packing.gather(traced.decoder.forward(ids, in[0]));
          return std::vector<mx::array>{logits};
        },
        {states, model.decoder.embed_tokens.weight}, {cotangent});
  };
  const auto [packed_out, packed_grads] = run(true);
  const auto [padded_out, padded_grads] = run(false);
  ASSERT_EQ(packed_out[0].shape(), padded_out[0].shape());
  // The two passes sum in other orders (other matrix shapes, so other BLAS blockings): each
  // value within the rounding of its chain (float_tolerance.h); an embedding row's gradient adds
  // every position that read the token. A position off by one, or a kept position reading a
  // left-out one, changes values by a large fraction of the largest and fails this.
  const testing::Chain chain = testing::decoder_chain(model.config, length);
  auto compare = [](const mx::array& got, const mx::array& want, double roundings,
                    const char* what) {
    const std::vector<float> expected = values(want), found = values(got);
    const double bound = order_bound(roundings, largest_magnitude(expected));
    expect_within(found, expected, bound, what);
    // The same values one row (of the last axis) late must fail the bound.
    const std::vector<float> shifted(found.begin() + got.shape(-1), found.end());
    EXPECT_TRUE(testing::exceeds_somewhere(shifted, expected, bound)) << what;
  };
  compare(packed_out[0], padded_out[0], chain.forward, "logits");
  compare(packed_grads[0], padded_grads[0], chain.gradient(1), "encoder states' gradient");
  compare(packed_grads[1], padded_grads[1], chain.gradient(batch * length), "embeddings' gradient");
}

// vit-trocr: sinusoidal positions, no layernorm_embedding; odd: learned positions, tied output
// projection, other sizes.
INSTANTIATE_TEST_SUITE_P(Variants, PackedDecoderTest, ::testing::Values("vit-trocr", "odd"),
                         testing::VariantName());

}  // namespace
}  // namespace mlxocr
