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
  mx::array ctc_sum = mx::array(0.0f);   // the CTC loss summed over the batch (0 without CTC)
  std::vector<mx::array> grads;          // of the objective / normalizer, one per parameter
};

// Differentiates cross_entropy_sum(logits, labels, label_smoothing) / normalizer with respect
// to `params` (trainable_parameters(model, freeze_encoder) order). `normalizer` is the number of
// label tokens of the whole (global, accumulated) batch, so that summing the gradients of
// micro-batches and processes gives the gradient of the big batch's mean loss.
//
// With ctc_weight > 0 the objective is cross-entropy + ctc_weight * CTC (ctc.h) of a linear head
// on the encoder's patch columns, whose weight [vocab, hidden] and bias [vocab] are the last two
// entries of `params` (after the model's `model_tensors`); batches must carry CTC targets.
class LossGradient {
 public:
  LossGradient(const TrOCRModel& model, bool freeze_encoder, float label_smoothing,
               float ctc_weight = 0.0f, size_t model_tensors = 0);

  LossAndGrads operator()(const std::vector<mx::array>& params, const TrainingBatch& batch,
                          float normalizer) const;

 private:
  TrOCRModel model_;  // shares the arrays of the caller's model; parameters are swapped per call
  bool freeze_encoder_;
  float label_smoothing_;
  float ctc_weight_;
  size_t model_tensors_;
};

}  // namespace mlxocr
