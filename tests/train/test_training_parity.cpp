// Parity of one training step with PyTorch (tools/reference/make_training_fixtures.py): the batch
// as TrOCRProcessor and shift_tokens_right build it, the label-smoothed cross-entropy and the
// gradient of every parameter, and AdamW + clipping + the linear schedule.
#include <gtest/gtest.h>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "image/image.h"
#include "image/processor.h"
#include "model/model.h"
#include "model/row_packing.h"
#include "model_chain.h"
#include "text/tokenizer.h"
#include "train/batch.h"
#include "train/loss.h"
#include "train/optimizer.h"
#include "train/parameters.h"
#include "train/step.h"
#include "training_fixtures.h"

namespace mlxocr {
namespace {

using testing::fixtures;
using testing::load_training_record;
using testing::load_training_tensors;
using testing::max_abs;
using testing::max_abs_diff;
using testing::model_fixture;

TrainingBatch batch_from_files(const std::string& variant, const nlohmann::json& record,
                               const ModelConfig& config) {
  std::vector<RgbImage> images;
  for (const auto& name : record["images"])
    images.push_back(load_image(fixtures() / "images" / name.get<std::string>()));
  const ImageProcessor processor(load_image_processor_config(model_fixture(variant)));
  const auto tokenizer = load_tokenizer(model_fixture(variant));
  LabelSettings settings;
  settings.pad_token_id = config.pad_token_id;
  settings.decoder_start_token_id = config.decoder_start_token_id;
  settings.max_target_length = record["max_target_length"];
  return make_batch(images, record["texts"].get<std::vector<std::string>>(), processor, *tokenizer,
                    settings);
}

bool same_ints(const mx::array& a, const mx::array& b) {
  if (a.shape() != b.shape()) return false;
  mx::array equal = mx::all(mx::equal(mx::astype(a, mx::int32), mx::astype(b, mx::int32)));
  mx::eval(equal);
  return equal.item<bool>();
}

bool is_key_bias(const std::string& name) {
  auto ends = [&](const std::string& tail) {
    return name.size() >= tail.size() &&
           name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  return ends("k_proj.bias") || ends("attention.key.bias");
}

class TrainingParityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainingParityTest, BatchLossAndEveryGradient) {
  const std::string variant = GetParam();
  const auto ref = load_training_tensors(variant);
  const nlohmann::json record = load_training_record(variant);
  TrOCRModel model = load_model(model_fixture(variant));

  const TrainingBatch batch = batch_from_files(variant, record, model.config);
  EXPECT_TRUE(same_ints(batch.labels, ref.at("labels")));
  EXPECT_TRUE(same_ints(batch.decoder_input_ids, ref.at("decoder_input_ids")));
  EXPECT_LE(max_abs_diff(batch.pixel_values, ref.at("pixel_values")), 1e-6f);
  // Rows of different lengths: the step's decoder runs packed (row_packing.h), so the loss and
  // gradients below check that path against transformers' padded one.
  EXPECT_TRUE(RowPacking::from_labels(batch.labels).packs());

  const float smoothing = record["label_smoothing"];
  const NamedParameters params = trainable_parameters(model, false);
  mx::array count = count_label_tokens(batch.labels);
  mx::eval(count);
  const LossGradient gradient(model, false, smoothing);
  LossAndGrads result = gradient(params.values, batch, count.item<float>());
  const mx::array loss = result.loss_sum / count;
  mx::eval(loss);
  // Each token's loss is a log-sum-exp over the vocabulary minus a logit (label smoothing adds
  // the mean logit): the model's chain and a sum over the vocabulary, rounded at the logits'
  // size, in two orders (float_tolerance.h); the mean over the tokens keeps that bound.
  const mx::array logits = model.logits(batch.pixel_values, batch.decoder_input_ids);
  const double loss_bound =
      testing::order_bound(testing::model_chain(model.config, batch.labels.shape(1)).forward +
                               2.0 * model.config.decoder.vocab_size,
                           std::max(1.0f, max_abs(logits)));
  const double expected_loss = record["loss"];
  EXPECT_NEAR(loss.item<float>(), expected_loss, loss_bound);

  const mx::array plain = cross_entropy_sum(logits, batch.labels, 0.0f) / count;
  mx::eval(plain);
  const double expected_plain = record["loss_no_smoothing"];
  EXPECT_NEAR(plain.item<float>(), expected_plain, loss_bound);

  const TensorMap grads = to_hugging_face_layout(params.names, result.grads, model.config);
  float largest = 0.0f;
  for (const auto& name : record["parameters"])
    largest = std::max(largest, max_abs(ref.at("grad." + name.get<std::string>())));
  float worst = 0.0f;
  std::string worst_name;
  // One gradient entry: the model's forward and backward chains, the loss's sum over the
  // vocabulary, and a weight's sum over every labelled position of the batch.
  const int rows = static_cast<int>(batch.labels.size());
  const double roundings =
      testing::model_chain(model.config, batch.labels.shape(1)).gradient(rows) +
      model.config.decoder.vocab_size;
  for (const auto& name_json : record["parameters"]) {
    const std::string name = name_json;
    const mx::array& expected = ref.at("grad." + name);
    if (name.rfind("encoder.pooler.", 0) == 0) continue;  // TrOCR never runs the pooler
    auto found = grads.find(name);
    ASSERT_NE(found, grads.end()) << "no gradient for " << name;
    ASSERT_EQ(found->second.shape(), expected.shape()) << name;
    const float scale = max_abs(expected);
    const float diff = max_abs_diff(found->second, expected);
    if (is_key_bias(name)) {
      // Mathematically zero (a key bias shifts every score of a query alike, and softmax ignores
      // that); both sides hold rounding noise only: of the size of one evaluation's rounding of
      // the gradient chain, relative to the largest gradient.
      EXPECT_LE(max_abs(found->second), testing::rounding_bound(roundings, largest)) << name;
      EXPECT_LE(scale, testing::rounding_bound(roundings, largest)) << name;
      continue;
    }
    // The contract (1e-4 of the tensor's scale), above the two orders' rounding bound of the
    // forward and backward chain (float_tolerance.h), which is checked: a gradient summed over
    // the wrong rows or a sign lost fails it by far.
    EXPECT_LE(testing::order_bound(roundings, scale), 1e-4 * scale) << name;
    EXPECT_LE(diff, 1e-4f * scale) << name << " (scale " << scale << ")";
    if (diff / scale > worst) {
      worst = diff / scale;
      worst_name = name;
    }
  }
  std::cout << "[parity] " << variant << ": loss " << loss.item<float>() << " vs " << expected_loss
            << " (rounding bound " << loss_bound << "), worst gradient relative difference "
            << worst << " (" << worst_name << "; rounding bound "
            << testing::order_bound(roundings, 1.0) << ")\n";
}

INSTANTIATE_TEST_SUITE_P(Variants, TrainingParityTest, ::testing::ValuesIn(testing::kModelVariants),
                         testing::VariantName());

TEST(AdamWParity, ThreeStepsWithWarmupDecayClippingAndWeightDecay) {
  const auto ref = load_training_tensors("adamw");
  const nlohmann::json record = load_training_record("adamw");
  const int count = record["num_params"];
  std::vector<mx::array> params;
  for (int i = 0; i < count; ++i)
    params.push_back(ref.at("initial." + std::to_string(i)));
  AdamWSettings settings;
  settings.lr = record["lr"];
  settings.beta1 = record["betas"][0];
  settings.beta2 = record["betas"][1];
  settings.eps = record["eps"];
  settings.weight_decay = record["weight_decay"];
  AdamW optimizer(settings);
  for (int step = 0; step < 3; ++step) {
    std::vector<mx::array> grads;
    for (int i = 0; i < count; ++i)
      grads.push_back(ref.at("grad." + std::to_string(step) + "." + std::to_string(i)));
    const GradientClip clipped = clip_grad_norm(grads, record["max_norm"]);
    mx::eval(clipped.total_norm);
    const double norm = record["grad_norms"][step];
    EXPECT_NEAR(clipped.total_norm.item<float>(), norm, 1e-6 * norm);
    const double lr =
        settings.lr * linear_schedule_factor(step, record["warmup_steps"], record["total_steps"]);
    EXPECT_NEAR(lr, record["lrs"][step].get<double>(), 1e-12);
    params = optimizer.step(params, grads, lr, clipped.scale);
    for (int i = 0; i < count; ++i) {
      const mx::array& expected = ref.at("param." + std::to_string(step) + "." + std::to_string(i));
      EXPECT_LE(max_abs_diff(params[i], expected), 1e-5f) << "step " << step << " param " << i;
    }
  }
}

// Three whole steps on vit-trocr (the same batch each step): the loss of every step and a few
// parameters after the third.
TEST(TrainingStepsParity, ThreeStepsLowerTheLossLikeTorch) {
  const nlohmann::json record = load_training_record("steps");
  const auto ref = load_training_tensors("steps");
  const std::string variant = record["variant"];
  TrOCRModel model = load_model(model_fixture(variant));
  const TrainingBatch batch =
      batch_from_files(variant, load_training_record(variant), model.config);
  mx::array count = count_label_tokens(batch.labels);
  mx::eval(count);
  AdamWSettings settings;
  settings.lr = record["lr"];
  settings.weight_decay = record["weight_decay"];
  AdamW optimizer(settings);
  NamedParameters params = trainable_parameters(model, false);
  const LossGradient gradient(model, false, record["label_smoothing"]);
  for (int step = 0; step < 4; ++step) {
    LossAndGrads result = gradient(params.values, batch, count.item<float>());
    const mx::array loss = result.loss_sum / count;
    mx::eval(loss);
    const double expected = record["losses"][step];
    EXPECT_NEAR(loss.item<float>(), expected, 1e-4 * expected) << "step " << step;
    if (step == 3) break;
    const GradientClip clipped = clip_grad_norm(result.grads, record["max_norm"]);
    const double lr =
        settings.lr * linear_schedule_factor(step, record["warmup_steps"], record["total_steps"]);
    params.values = optimizer.step(params.values, result.grads, lr, clipped.scale);
    mx::eval(params.values);
  }
  // Adam divides each gradient by its own running magnitude, so an element whose gradient is a
  // near-cancellation (softmax probability against label smoothing's eps / V) turns rounding
  // noise into a visible step. Nearly every element must still agree to 1e-5, and none by more
  // than a tenth of the learning rate.
  const TensorMap tensors = to_hugging_face_layout(params.names, params.values, model.config);
  for (const auto& name : record["tensors"]) {
    const mx::array& expected = ref.at(name.get<std::string>());
    const mx::array diff = mx::abs(tensors.at(name) - expected);
    mx::array close = mx::mean(mx::astype(mx::less_equal(diff, mx::array(1e-5f)), mx::float32));
    mx::eval(close);
    EXPECT_GE(close.item<float>(), 0.999f) << name;
    EXPECT_LE(max_abs(diff), 0.1f * static_cast<float>(settings.lr)) << name;
    std::cout << "[parity] steps: " << name.get<std::string>() << " max-abs " << max_abs(diff)
              << ", within 1e-5: " << 100 * close.item<float>() << "%\n";
  }
}

}  // namespace
}  // namespace mlxocr
