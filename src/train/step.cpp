#include "train/step.h"

#include <mlx/transforms.h>

#include "train/loss.h"
#include "train/parameters.h"

namespace mlxocr {

LossGradient::LossGradient(const TrOCRModel& model, bool freeze_encoder, float label_smoothing)
    : model_(model), freeze_encoder_(freeze_encoder), label_smoothing_(label_smoothing) {}

LossAndGrads LossGradient::operator()(const std::vector<mx::array>& params,
                                      const TrainingBatch& batch, float normalizer) const {
  // The model is copied per call (only array handles): the traced parameters go into the copy.
  auto loss_of = [&](const std::vector<mx::array>& traced) -> std::vector<mx::array> {
    TrOCRModel model = model_;
    assign_parameters(model, traced, freeze_encoder_);
    const mx::array logits = model.logits(batch.pixel_values, batch.decoder_input_ids);
    const mx::array sum = cross_entropy_sum(logits, batch.labels, label_smoothing_);
    return {sum / normalizer, sum};
  };
  std::vector<int> all(params.size());
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = static_cast<int>(i);
  auto [values, grads] = mx::value_and_grad(loss_of, all)(params);
  return {values[1], std::move(grads)};
}

}  // namespace mlxocr
