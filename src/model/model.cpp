#include "model/model.h"

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <system_error>

#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "mlxocr/error.h"
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

mx::Dtype parse_float_dtype(const std::string& name) {
  if (name == "float32") return mx::float32;
  if (name == "float16") return mx::float16;
  if (name == "bfloat16") return mx::bfloat16;
  throw UsageError("unsupported dtype '" + name + "' (use float32, float16 or bfloat16)");
}

void visit_parameters(TrOCRModel& model, ParameterVisitor& visitor) {
  visit_parameters(model.encoder, visitor);
  if (model.enc_to_dec_proj)
    visitor.linear("enc_to_dec_proj", *model.enc_to_dec_proj, LinearKind::encoder);
  visit_parameters(model.decoder, visitor);
}

namespace {

// Collects every parameter array, to evaluate them once at load: the casts and q/k/v
// concatenations then happen here, not again in every forward pass.
class ArrayCollector : public ParameterVisitor {
 public:
  std::vector<mx::array> arrays;
  void tensor(const std::string&, mx::array& value) override { arrays.push_back(value); }
  void linear(const std::string&, Linear& layer, LinearKind) override {
    if (layer.quantized) {
      arrays.insert(arrays.end(),
                    {layer.quantized->packed, layer.quantized->scales, layer.quantized->biases});
    } else {
      arrays.push_back(layer.weight);
    }
    if (layer.bias) arrays.push_back(*layer.bias);
  }
};

}  // namespace

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
  if (config.converted) model.stored_dtype = config.converted->dtype;
  WeightBinder weights(std::move(tensors), source, dtype, config.converted);
  model.encoder = bind_vision_encoder(config.encoder, weights);
  if (config.has_enc_to_dec_proj) {
    model.enc_to_dec_proj =
        weights.linear("enc_to_dec_proj", config.encoder.hidden_size, config.decoder.d_model, true);
  }
  model.decoder =
      bind_trocr_decoder(config.decoder, config.cross_attention_input_size(), weights, dtype);
  model.warnings = weights.finish();
  ArrayCollector parameters;
  visit_parameters(model, parameters);
  parameters.arrays.push_back(model.decoder.embed_positions);
  mx::eval(parameters.arrays);
  return model;
}

TrOCRModel load_model(const std::filesystem::path& model_dir, std::optional<mx::Dtype> dtype) {
  ModelConfig config = load_model_config(model_dir);
  if (config.converted) {
    const std::filesystem::path file = model_dir / kConvertedWeightsFile;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      throw CheckpointError(model_dir.string() +
                            ": config.json says this is a converted mlxocr folder, but " +
                            kConvertedWeightsFile + " is missing");
    }
    return build_model(config, load_safetensors(file), file.string(),
                       dtype.value_or(parse_float_dtype(config.converted->dtype)));
  }
  return build_model(config, load_checkpoint_tensors(model_dir), model_dir.string(),
                     dtype.value_or(mx::float32));
}

}  // namespace mlxocr
