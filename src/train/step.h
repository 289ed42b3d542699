// One forward/backward pass: the loss of a batch and its gradient with respect to the trainable
// parameters, through MLX's value_and_grad.
#pragma once

#include <functional>
#include <vector>

#include "model/model.h"
#include "train/batch.h"

namespace mlxocr {

struct LossAndGrads {
  mx::array loss_sum = mx::array(0.0f);  // summed over the batch's label tokens, not yet divided
  std::vector<mx::array> grads;          // of loss_sum / normalizer, one per parameter
};

// Differentiates cross_entropy_sum(logits, labels, label_smoothing) / normalizer with respect
// to `params` (trainable_parameters(model, freeze_encoder) order). `normalizer` is the number of
// label tokens of the whole (global, accumulated) batch, so that summing the gradients of
// micro-batches and processes gives the gradient of the big batch's mean loss.
class LossGradient {
 public:
  LossGradient(const TrOCRModel& model, bool freeze_encoder, float label_smoothing);

  LossAndGrads operator()(const std::vector<mx::array>& params, const TrainingBatch& batch,
                          float normalizer) const;

 private:
  TrOCRModel model_;  // shares the arrays of the caller's model; parameters are swapped per call
  bool freeze_encoder_;
  float label_smoothing_;
};

}  // namespace mlxocr
