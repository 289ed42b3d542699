// The gradient of the label-smoothed cross-entropy, on the `odd` training fixture's logits,
// against its closed form evaluated in double:
// d loss / d x_j = (softmax(x)_j - (1 - eps) [j == label] - eps / vocab) / tokens.
#include <gtest/gtest.h>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include <cmath>
#include <limits>

#include "model/model.h"
#include "train/loss.h"
#include "training_fixtures.h"

namespace mlxocr {
namespace {

TEST(LossGradient, LabelSmoothingMatchesClosedForm) {
  const auto ref = testing::load_training_tensors("odd");
  const float smoothing = testing::load_training_record("odd")["label_smoothing"];
  TrOCRModel model = load_model(testing::model_fixture("odd"));
  const mx::array labels = mx::astype(ref.at("labels"), mx::int32);
  mx::array logits =
      model.logits(ref.at("pixel_values"), mx::astype(ref.at("decoder_input_ids"), mx::int32));
  mx::array count = count_label_tokens(labels);
  mx::eval(logits, count);
  const float tokens = count.item<float>();
  auto loss = [&](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{cross_entropy_sum(in[0], labels, smoothing) / tokens};
  };
  mx::array grad = mx::vjp(loss, {logits}, {mx::array(1.0f)}).second[0];
  mx::eval(grad);
  const int vocab = logits.shape(-1), rows = static_cast<int>(labels.size());
  const float* x_all = logits.data<float>();
  const float* found = grad.data<float>();
  const mx::array flat_labels = mx::reshape(labels, {rows});
  mx::eval(flat_labels);
  const int* label = flat_labels.data<int>();
  double largest = 0.0, worst = 0.0, top_logit = 0.0;
  for (int r = 0; r < rows; ++r) {
    if (label[r] < 0) continue;  // ignored (padding): no gradient
    const float* x = x_all + static_cast<size_t>(r) * vocab;
    double top = x[0], total = 0.0;
    for (int j = 0; j < vocab; ++j)
      top = std::max(top, static_cast<double>(x[j]));
    for (int j = 0; j < vocab; ++j)
      total += std::exp(x[j] - top);
    top_logit = std::max(top_logit, std::abs(top));
    for (int j = 0; j < vocab; ++j) {
      const double exact = (std::exp(x[j] - top) / total - (j == label[r] ? 1.0 - smoothing : 0.0) -
                            static_cast<double>(smoothing) / vocab) /
                           tokens;
      largest = std::max(largest, std::abs(exact));
      worst = std::max(worst, std::abs(found[static_cast<size_t>(r) * vocab + j] - exact));
    }
  }
  // Each probability is exp(x - lse) in float32: x - lse, both up to the largest logit plus
  // log(vocab), is rounded to about twice that times epsilon, which exp turns into the same
  // relative error; a few epsilon more for the other terms. Summing `vocab` equal float32
  // cotangents of the smoothing term (the bug this guards) gave ~20x this.
  const double epsilon = std::numeric_limits<float>::epsilon();
  const double bound = (2.0 * (top_logit + std::log(vocab)) + 4.0) * epsilon * largest;
  EXPECT_LE(worst, bound) << "largest " << largest << ", largest logit " << top_logit;
}

}  // namespace
}  // namespace mlxocr
