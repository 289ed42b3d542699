#include "train/parameters.h"

#include <mlx/ops.h>

#include "mlxocr/error.h"

namespace mlxocr {

namespace {

bool in_encoder(const std::string& name) {
  return name.rfind("encoder.", 0) == 0;
}

// Walks the parameters in visit_parameters order, either collecting them or replacing them by
// the next given value.
class ParameterWalker : public ParameterVisitor {
 public:
  ParameterWalker(bool freeze_encoder, const std::vector<mx::array>* replacements)
      : freeze_encoder_(freeze_encoder), replacements_(replacements) {}

  NamedParameters found;
  size_t used = 0;

  void tensor(const std::string& name, mx::array& value) override {
    if (freeze_encoder_ && in_encoder(name)) return;
    if (replacements_) {
      if (used >= replacements_->size())
        throw UsageError("fewer parameter values than the model has parameters");
      value = (*replacements_)[used++];
    } else {
      found.names.push_back(name);
      found.values.push_back(value);
    }
  }
  void linear(const std::string& name, Linear& layer, LinearKind) override {
    if (layer.quantized) {
      throw UsageError("layer " + name +
                       " is quantized; train a float model (the Hugging Face folder, or one "
                       "converted without -q)");
    }
    tensor(name + ".weight", layer.weight);
    if (layer.bias) tensor(name + ".bias", *layer.bias);
  }

 private:
  bool freeze_encoder_;
  const std::vector<mx::array>* replacements_;
};

// "a.b.qkv.weight" with fused "qkv" -> the parts' names "a.b.query.weight", ...
void split_fused(TensorMap& out, const std::string& name, const mx::array& value,
                 const std::string& fused, const std::vector<std::string>& parts) {
  const size_t at = name.rfind("." + fused + ".");
  const std::string head = name.substr(0, at + 1), tail = name.substr(at + fused.size() + 1);
  const std::vector<mx::array> pieces = mx::split(value, static_cast<int>(parts.size()), 0);
  for (size_t i = 0; i < parts.size(); ++i)
    out.insert_or_assign(head + parts[i] + tail, pieces[i]);
}

bool has_part(const std::string& name, const std::string& part) {
  return name.find("." + part + ".") != std::string::npos;
}

}  // namespace

NamedParameters trainable_parameters(TrOCRModel& model, bool freeze_encoder) {
  ParameterWalker walker(freeze_encoder, nullptr);
  visit_parameters(model, walker);
  return std::move(walker.found);
}

void assign_parameters(TrOCRModel& model, const std::vector<mx::array>& values,
                       bool freeze_encoder) {
  ParameterWalker walker(freeze_encoder, &values);
  visit_parameters(model, walker);
  if (walker.used != values.size())
    throw UsageError("more parameter values than the model has parameters");
}

TensorMap to_hugging_face_layout(const std::vector<std::string>& names,
                                 const std::vector<mx::array>& values, const ModelConfig& config) {
  TensorMap out;
  const EncoderConfig& enc = config.encoder;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    const mx::array& value = values[i];
    if (has_part(name, "qkv")) {
      split_fused(out, name, value, "qkv", {"query", "key", "value"});
    } else if (has_part(name, "qkv_proj")) {
      split_fused(out, name, value, "qkv_proj", {"q_proj", "k_proj", "v_proj"});
    } else if (has_part(name, "kv_proj")) {
      split_fused(out, name, value, "kv_proj", {"k_proj", "v_proj"});
    } else if (name == "encoder.embeddings.patch_embeddings.projection.weight") {
      out.insert_or_assign(name, mx::reshape(value, {enc.hidden_size, enc.num_channels,
                                                     enc.patch_height, enc.patch_width}));
    } else {
      out.insert_or_assign(name, value);
    }
  }
  return out;
}

TensorMap model_tensors_hugging_face(TrOCRModel& model) {
  NamedParameters all = trainable_parameters(model, false);
  TensorMap out = to_hugging_face_layout(all.names, all.values, model.config);
  if (model.encoder.pooler) {
    out.insert_or_assign("encoder.pooler.dense.weight", model.encoder.pooler->weight);
    if (model.encoder.pooler->bias)
      out.insert_or_assign("encoder.pooler.dense.bias", *model.encoder.pooler->bias);
  }
  // transformers' sinusoidal positions keep a one-element buffer (a device/dtype marker, its
  // value unused) that save_pretrained writes and from_pretrained expects.
  if (!model.config.decoder.use_learned_position_embeddings)
    out.insert_or_assign("decoder.model.decoder.embed_positions._float_tensor",
                         mx::zeros({1}, mx::float32));
  return out;
}

}  // namespace mlxocr
