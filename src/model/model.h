// VisionEncoderDecoderModel with a ViT/DeiT encoder and a TrOCR decoder.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "io/tensor_map.h"
#include "model/config.h"
#include "model/decoder_trocr.h"
#include "model/encoder_vit.h"

namespace mlxocr {

struct TrOCRModel {
  ModelConfig config;
  VisionEncoder encoder;
  std::optional<Linear> enc_to_dec_proj;
  TrOCRDecoder decoder;
  mx::Dtype dtype = mx::float32;
  std::string stored_dtype;           // dtype of the checkpoint's floating tensors
  std::vector<std::string> warnings;  // unexpected or unused tensors, for the caller to show

  // pixel_values [B, C, H, W] -> encoder last hidden state [B, S, encoder.hidden_size].
  mx::array encode(const mx::array& pixel_values) const { return encoder.forward(pixel_values); }
  // What the decoder's cross-attention reads: the encoder states, projected when the model has
  // enc_to_dec_proj.
  mx::array decoder_inputs(const mx::array& encoder_states) const;
  // Teacher-forced logits [B, T, vocab], as model(pixel_values, decoder_input_ids).logits.
  mx::array logits(const mx::array& pixel_values, const mx::array& decoder_input_ids) const;
};

// Builds the model from checkpoint tensors named as transformers names them; every missing or
// mis-shaped tensor is reported in one CheckpointError. `source` names the checkpoint.
TrOCRModel build_model(const ModelConfig& config, TensorMap tensors, const std::string& source,
                       mx::Dtype dtype = mx::float32);

// Loads a model folder: a Hugging Face folder (config.json and the weights in whichever form it
// has) or a folder `mlxocr convert` wrote (config.json with an "mlxocr" section and
// mlxocr.safetensors). Computes in `dtype`; by default float32 for a Hugging Face folder and the
// stored dtype for a converted one. Quantized layers stay quantized whatever the dtype.
TrOCRModel load_model(const std::filesystem::path& model_dir,
                      std::optional<mx::Dtype> dtype = std::nullopt);

// Every parameter of the model, named as in a converted folder (see ParameterVisitor).
void visit_parameters(TrOCRModel& model, ParameterVisitor& visitor);

// "float32", "float16", "bfloat16", ...
std::string dtype_name(mx::Dtype dtype);
// The inverse for the floating dtypes a model can compute in; UsageError for any other name.
mx::Dtype parse_float_dtype(const std::string& name);

}  // namespace mlxocr
