// The trainable parameters of a model as one flat, ordered list of arrays (what value_and_grad
// differentiates and the optimizer updates), and their Hugging Face names and layout.
#pragma once

#include <string>
#include <vector>

#include "io/tensor_map.h"
#include "model/model.h"

namespace mlxocr {

struct NamedParameters {
  std::vector<std::string> names;  // as visit_parameters names them (q/k/v fused)
  std::vector<mx::array> values;
};

// Every parameter visit_parameters walks, in its order; with `freeze_encoder` those of the
// encoder ("encoder.*") are left out (enc_to_dec_proj stays trainable, as in transformers where
// it sits outside model.encoder). Throws UsageError for a quantized model, which cannot be
// trained.
NamedParameters trainable_parameters(TrOCRModel& model, bool freeze_encoder);

// Puts `values` (in the order of trainable_parameters with the same `freeze_encoder`) into the
// model, re-tying a tied output projection to the new embeddings.
void assign_parameters(TrOCRModel& model, const std::vector<mx::array>& values,
                       bool freeze_encoder);

// Tensors named and shaped as transformers stores them: fused q/k/v split back into
// query/key/value (q_proj/k_proj/v_proj), the patch projection back to a Conv2d kernel
// [hidden, C, ph, pw]. `names` are visit_parameters names.
TensorMap to_hugging_face_layout(const std::vector<std::string>& names,
                                 const std::vector<mx::array>& values, const ModelConfig& config);

// A whole model's tensors in Hugging Face layout: what model.safetensors of a checkpoint holds
// (the pooler kept when the model has one, the sinusoidal positions' marker buffer; a tied
// output projection left out, as save_pretrained does).
TensorMap model_tensors_hugging_face(TrOCRModel& model);

}  // namespace mlxocr
