// Training dropout: off unless a TrainingDropout is alive, reproducible from its seed, and with
// torch's scaling (kept units multiplied by 1 / (1 - p)).
#include <gtest/gtest.h>

#include <mlx/ops.h>

#include "model/dropout.h"
#include "model/model.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::max_abs_diff;
using testing::model_fixture;

TEST(Dropout, OffOutsideTrainingReproducibleInsideAndScaledLikeTorch) {
  const mx::array x = mx::ones({1000});
  EXPECT_EQ(max_abs_diff(dropout(x, DropoutSite::decoder_hidden), x), 0.0f);
  mx::array first = x, second = x, other = x;
  {
    const TrainingDropout scope({0.0f, 0.25f, 0.0f}, 7);
    first = dropout(x, DropoutSite::decoder_hidden);
    EXPECT_EQ(max_abs_diff(dropout(x, DropoutSite::encoder_hidden), x), 0.0f);  // p = 0
  }
  {
    const TrainingDropout scope({0.0f, 0.25f, 0.0f}, 7);
    second = dropout(x, DropoutSite::decoder_hidden);
  }
  {
    const TrainingDropout scope({0.0f, 0.25f, 0.0f}, 8);
    other = dropout(x, DropoutSite::decoder_hidden);
  }
  EXPECT_EQ(max_abs_diff(first, second), 0.0f);
  EXPECT_GT(max_abs_diff(first, other), 0.0f);
  mx::array kept = mx::mean(mx::astype(mx::greater(first, mx::array(0.0f)), mx::float32));
  mx::array values = mx::max(first);
  mx::eval(kept, values);
  EXPECT_NEAR(kept.item<float>(), 0.75f, 0.05f);
  EXPECT_FLOAT_EQ(values.item<float>(), 1.0f / 0.75f);
}

TEST(Dropout, ChangesTheModelOnlyWhileTraining) {
  const TrOCRModel model = load_model(model_fixture("vit-trocr"));
  const mx::array pixels = mx::zeros({1, 3, 32, 32});
  const mx::array ids = mx::array({2, 0, 5, 7}, {1, 4}, mx::int32);
  const mx::array plain = model.logits(pixels, ids);
  mx::array dropped = plain;
  {
    const TrainingDropout scope({0.1f, 0.1f, 0.1f}, 1);
    dropped = model.logits(pixels, ids);
    mx::eval(dropped);
  }
  EXPECT_GT(max_abs_diff(plain, dropped), 1e-3f);
  EXPECT_EQ(max_abs_diff(plain, model.logits(pixels, ids)), 0.0f);
}

}  // namespace
}  // namespace mlxocr
