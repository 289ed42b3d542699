#include "model/encoder_vit.h"

#include <mlx/ops.h>
#include <cmath>

#include "io/array_bytes.h"
#include "mlxocr/error.h"
#include "model/dropout.h"

namespace mlxocr {

namespace {

// [B, C, H, W] -> [B, num_patches, C * patch_h * patch_w], patches in row-major order as the
// flattened Conv2d output is.
mx::array flatten_patches(const mx::array& pixels, int patch_h, int patch_w) {
  const int batch = pixels.shape(0), channels = pixels.shape(1);
  const int rows = pixels.shape(2) / patch_h, cols = pixels.shape(3) / patch_w;
  // An image_size that is not a multiple of patch_size leaves a strip at the bottom and right
  // that no patch covers: ViT's Conv2d (kernel = stride = patch) never reads it, so neither do we.
  const bool exact = rows * patch_h == pixels.shape(2) && cols * patch_w == pixels.shape(3);
  const mx::array covered =
      exact ? pixels
            : mx::slice(pixels, {0, 0, 0, 0}, {batch, channels, rows * patch_h, cols * patch_w});
  mx::array x = mx::reshape(covered, {batch, channels, rows, patch_h, cols, patch_w});
  x = mx::transpose(x, {0, 2, 4, 1, 3, 5});
  return mx::reshape(x, {batch, rows * cols, channels * patch_h * patch_w});
}

mx::array self_attention(const ViTLayer& layer, const mx::array& x, int num_heads) {
  return dropout(
      linear(self_attention_heads(linear(x, layer.qkv), num_heads, false), layer.attention_output),
      DropoutSite::encoder_hidden);
}

}  // namespace

mx::array VisionEncoder::forward(const mx::array& pixel_values) const {
  if (pixel_values.ndim() != 4 || pixel_values.shape(1) != config.num_channels ||
      pixel_values.shape(2) != config.image_height || pixel_values.shape(3) != config.image_width) {
    throw UsageError("pixel_values are " + shape_string(pixel_values.shape()) +
                     ", the encoder expects [B, " + std::to_string(config.num_channels) + ", " +
                     std::to_string(config.image_height) + ", " +
                     std::to_string(config.image_width) + "]");
  }
  const int batch = pixel_values.shape(0);
  const mx::array pixels = mx::astype(pixel_values, embeddings.position_embeddings.dtype());
  mx::array patches = linear(flatten_patches(pixels, config.patch_height, config.patch_width),
                             embeddings.patch_projection);
  const int hidden = config.hidden_size;
  std::vector<mx::array> parts = {mx::broadcast_to(embeddings.cls_token, {batch, 1, hidden})};
  if (embeddings.distillation_token) {
    parts.push_back(mx::broadcast_to(*embeddings.distillation_token, {batch, 1, hidden}));
  }
  parts.push_back(patches);
  mx::array h = dropout(mx::concatenate(parts, 1) + embeddings.position_embeddings,
                        DropoutSite::encoder_hidden);

  for (const ViTLayer& layer : layers) {
    h = h +
        self_attention(layer, layer_norm(h, layer.layernorm_before), config.num_attention_heads);
    const mx::array ffn_in = layer_norm(h, layer.layernorm_after);
    h = h + dropout(linear(activation(linear(ffn_in, layer.intermediate), config.hidden_act),
                           layer.output),
                    DropoutSite::encoder_hidden);
  }
  return layer_norm(h, layernorm);
}

void visit_parameters(VisionEncoder& encoder, ParameterVisitor& visitor) {
  const std::string e = "encoder.embeddings.";
  ViTEmbeddings& embeddings = encoder.embeddings;
  visitor.tensor(e + "cls_token", embeddings.cls_token);
  if (embeddings.distillation_token)
    visitor.tensor(e + "distillation_token", *embeddings.distillation_token);
  visitor.tensor(e + "position_embeddings", embeddings.position_embeddings);
  visitor.linear(e + "patch_embeddings.projection", embeddings.patch_projection,
                 LinearKind::patch_embedding);
  for (size_t i = 0; i < encoder.layers.size(); ++i) {
    const std::string p = "encoder.encoder.layer." + std::to_string(i) + ".";
    ViTLayer& layer = encoder.layers[i];
    visitor.layer_norm(p + "layernorm_before", layer.layernorm_before);
    visitor.linear(p + "attention.attention.qkv", layer.qkv, LinearKind::encoder);
    visitor.linear(p + "attention.output.dense", layer.attention_output, LinearKind::encoder);
    visitor.layer_norm(p + "layernorm_after", layer.layernorm_after);
    visitor.linear(p + "intermediate.dense", layer.intermediate, LinearKind::encoder);
    visitor.linear(p + "output.dense", layer.output, LinearKind::encoder);
  }
  visitor.layer_norm("encoder.layernorm", encoder.layernorm);
}

VisionEncoder bind_vision_encoder(const EncoderConfig& config, WeightBinder& weights) {
  VisionEncoder encoder;
  encoder.config = config;
  const int hidden = config.hidden_size;
  const std::string e = "encoder.embeddings.";
  encoder.embeddings.cls_token = weights.take(e + "cls_token", {1, 1, hidden});
  if (config.has_distillation_token()) {
    encoder.embeddings.distillation_token = weights.take(e + "distillation_token", {1, 1, hidden});
  }
  encoder.embeddings.position_embeddings =
      weights.take(e + "position_embeddings", {1, config.sequence_length(), hidden});
  const int patch_inputs = config.num_channels * config.patch_height * config.patch_width;
  Linear& projection = encoder.embeddings.patch_projection;
  if (weights.converted()) {
    // Stored already flattened to [hidden, C * patch_h * patch_w].
    projection = weights.linear(e + "patch_embeddings.projection", patch_inputs, hidden, true);
  } else {
    projection.weight = mx::reshape(
        weights.take(e + "patch_embeddings.projection.weight",
                     {hidden, config.num_channels, config.patch_height, config.patch_width}),
        {hidden, patch_inputs});
    projection.bias = weights.take(e + "patch_embeddings.projection.bias", {hidden});
  }

  for (int i = 0; i < config.num_hidden_layers; ++i) {
    const std::string p = "encoder.encoder.layer." + std::to_string(i) + ".";
    ViTLayer layer;
    layer.layernorm_before =
        weights.layer_norm(p + "layernorm_before", hidden, config.layer_norm_eps);
    const std::string a = p + "attention.attention.";
    layer.qkv = weights.fused_linear(a + "qkv", {a + "query", a + "key", a + "value"}, hidden,
                                     hidden, config.qkv_bias);
    layer.attention_output = weights.linear(p + "attention.output.dense", hidden, hidden, true);
    layer.layernorm_after =
        weights.layer_norm(p + "layernorm_after", hidden, config.layer_norm_eps);
    layer.intermediate =
        weights.linear(p + "intermediate.dense", hidden, config.intermediate_size, true);
    layer.output = weights.linear(p + "output.dense", config.intermediate_size, hidden, true);
    encoder.layers.push_back(std::move(layer));
  }
  encoder.layernorm = weights.layer_norm("encoder.layernorm", hidden, config.layer_norm_eps);
  // Converted folders leave out the pooler, which TrOCR never runs.
  if (weights.converted()) return encoder;
  auto pooler_weight =
      weights.take_optional("encoder.pooler.dense.weight", {config.pooler_output_size, hidden});
  auto pooler_bias =
      weights.take_optional("encoder.pooler.dense.bias", {config.pooler_output_size});
  if (pooler_weight && pooler_bias)
    encoder.pooler = Linear{*pooler_weight, *pooler_bias, std::nullopt};
  return encoder;
}

}  // namespace mlxocr
