#include "model/model.h"

#include <mlx/ops.h>

#include "io/checkpoint.h"
#include "model/weights.h"

namespace mlxocr {

std::string dtype_name(mx::Dtype dtype) {
  switch (dtype) {
    case mx::float32:
      return "float32";
    case mx::float16:
      return "float16";
    case mx::bfloat16:
      return "bfloat16";
    case mx::float64:
      return "float64";
    default:
      return "non-float";
  }
}

mx::array TrOCRModel::decoder_inputs(const mx::array& encoder_states) const {
  return enc_to_dec_proj ? linear(encoder_states, *enc_to_dec_proj) : encoder_states;
}

mx::array TrOCRModel::logits(const mx::array& pixel_values,
                             const mx::array& decoder_input_ids) const {
  return decoder.forward(decoder_input_ids, decoder_inputs(encode(pixel_values)));
}

TrOCRModel build_model(const ModelConfig& config, TensorMap tensors, const std::string& source,
                       mx::Dtype dtype) {
  TrOCRModel model;
  model.config = config;
  model.dtype = dtype;
  for (const auto& [name, tensor] : tensors) {
    if (mx::issubdtype(tensor.dtype(), mx::floating)) {
      model.stored_dtype = dtype_name(tensor.dtype());
      break;
    }
  }
  WeightBinder weights(std::move(tensors), source, dtype);
  model.encoder = bind_vision_encoder(config.encoder, weights);
  if (config.has_enc_to_dec_proj) {
    model.enc_to_dec_proj =
        weights.linear("enc_to_dec_proj", config.encoder.hidden_size, config.decoder.d_model, true);
  }
  model.decoder =
      bind_trocr_decoder(config.decoder, config.cross_attention_input_size(), weights, dtype);
  model.warnings = weights.finish();
  return model;
}

TrOCRModel load_model(const std::filesystem::path& model_dir, mx::Dtype dtype) {
  ModelConfig config = load_model_config(model_dir);
  return build_model(config, load_checkpoint_tensors(model_dir), model_dir.string(), dtype);
}

}  // namespace mlxocr
