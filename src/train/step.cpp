#include "train/step.h"

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include <cstdlib>
#include <string>

#include "mlxocr/error.h"
#include "model/layers.h"
#include "model/row_packing.h"
#include "train/ctc.h"
#include "train/loss.h"
#include "train/parameters.h"

namespace mlxocr {

LossGradient::LossGradient(const TrOCRModel& model, bool freeze_encoder, float label_smoothing,
                           float ctc_weight, size_t model_tensors)
    : model_(model),
      freeze_encoder_(freeze_encoder),
      label_smoothing_(label_smoothing),
      ctc_weight_(ctc_weight),
      model_tensors_(model_tensors) {}

namespace {

// log-softmax of the CTC head over the encoder's patch columns (CLS / distillation tokens left
// out): [B, columns, vocab].
mx::array ctc_log_probs(const TrOCRModel& model, const mx::array& states, const mx::array& weight,
                        const mx::array& bias) {
  const int batch = states.shape(0), length = states.shape(1), width = states.shape(2);
  const int columns = model.config.encoder.num_patches();
  const mx::array patches = mx::slice(states, {0, length - columns, 0}, {batch, length, width});
  const mx::array logits = mx::matmul(patches, mx::transpose(weight)) + bias;
  return log_softmax(logits);
}

}  // namespace

LossAndGrads LossGradient::operator()(const std::vector<mx::array>& params,
                                      const TrainingBatch& batch, float normalizer) const {
  const bool with_ctc = ctc_weight_ > 0.0f;
  const size_t model_count = with_ctc ? model_tensors_ : params.size();
  if (with_ctc && (params.size() != model_count + 2 || !batch.ctc))
    throw UsageError("internal error: CTC training needs the head's two tensors and CTC targets");
  // Positions after a row's last label are padding that changes neither the loss nor any
  // gradient: the decoder leaves them out (row_packing.h). MLXOCR_PACK_ROWS=0 computes them, for
  // comparisons.
  static const bool pack = [] {
    const char* setting = std::getenv("MLXOCR_PACK_ROWS");
    return !(setting && std::string(setting) == "0");
  }();
  const RowPacking packing = RowPacking::from_labels(batch.labels);
  // The model is copied per call (only array handles): the traced parameters go into the copy.
  auto loss_of = [&](const std::vector<mx::array>& traced) -> std::vector<mx::array> {
    TrOCRModel model = model_;
    assign_parameters(model, std::vector<mx::array>(traced.begin(), traced.begin() + model_count),
                      freeze_encoder_);
    const mx::array states = model.encode(batch.pixel_values);
    const mx::array decoder_states = model.decoder_inputs(states);
    const mx::array sum =
        pack && packing.packs()
            ? cross_entropy_sum(
                  model.decoder.forward(batch.decoder_input_ids, decoder_states, packing),
                  packing.gather(batch.labels), label_smoothing_)
            : cross_entropy_sum(model.decoder.forward(batch.decoder_input_ids, decoder_states),
                                batch.labels, label_smoothing_);
    if (!with_ctc) return {sum / normalizer, sum, mx::array(0.0f)};
    const mx::array ctc = ctc_loss_sum(
        ctc_log_probs(model, states, traced[model_count], traced[model_count + 1]), *batch.ctc);
    return {(sum + ctc_weight_ * ctc) / normalizer, sum, ctc};
  };
  std::vector<int> all(params.size());
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = static_cast<int>(i);
  auto [values, grads] = mx::value_and_grad(loss_of, all)(params);
  return {values[1], values[2], std::move(grads)};
}

}  // namespace mlxocr
