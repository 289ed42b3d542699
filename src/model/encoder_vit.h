// ViT and DeiT image encoders (transformers' ViTModel / DeiTModel), names as in modeling_vit.py.
// DeiT differs only in its embeddings: a distillation token sits between cls and the patches.
#pragma once

#include <optional>
#include <vector>

#include "model/config.h"
#include "model/layers.h"
#include "model/weights.h"

namespace mlxocr {

struct ViTEmbeddings {
  mx::array cls_token = mx::array(0.0f);            // [1, 1, hidden]
  std::optional<mx::array> distillation_token;      // DeiT: [1, 1, hidden]
  mx::array position_embeddings = mx::array(0.0f);  // [1, sequence_length, hidden]
  // patch_embeddings.projection, a Conv2d with stride = kernel; kept as a Linear over
  // flattened (channel, row, column) patches, which is the same computation as one matmul.
  Linear patch_projection;
};

struct ViTLayer {
  LayerNorm layernorm_before;
  // attention.attention.{query,key,value} fused along the outputs: [3 * hidden, hidden].
  Linear qkv;
  Linear attention_output;  // attention.output.dense
  LayerNorm layernorm_after;
  Linear intermediate;  // intermediate.dense
  Linear output;        // output.dense
};

struct VisionEncoder {
  EncoderConfig config;
  ViTEmbeddings embeddings;
  std::vector<ViTLayer> layers;
  LayerNorm layernorm;
  // The pooler is part of the checkpoint (and of num_parameters) but TrOCR never uses it.
  std::optional<Linear> pooler;

  // pixel_values [B, C, H, W] with H, W equal to the configured image size -> last hidden state
  // [B, sequence_length, hidden].
  mx::array forward(const mx::array& pixel_values) const;
};

// Every parameter of the encoder, named as in a converted folder (see ParameterVisitor).
void visit_parameters(VisionEncoder& encoder, ParameterVisitor& visitor);

// Takes the encoder's tensors (prefix "encoder.") out of `weights`.
VisionEncoder bind_vision_encoder(const EncoderConfig& config, WeightBinder& weights);

}  // namespace mlxocr
