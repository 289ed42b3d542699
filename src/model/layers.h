// The building blocks shared by encoder and decoder: nn.Linear, nn.LayerNorm and activations,
// as plain structs of MLX arrays named like their PyTorch counterparts.
#pragma once

#include <mlx/array.h>
#include <optional>
#include <string>

namespace mlxocr {

namespace mx = mlx::core;

// nn.Linear: y = x W^T + b, with weight [out_features, in_features] as PyTorch stores it.
struct Linear {
  mx::array weight = mx::array(0.0f);
  std::optional<mx::array> bias;
};

// nn.LayerNorm over the last axis.
struct LayerNorm {
  mx::array weight = mx::array(0.0f);
  mx::array bias = mx::array(0.0f);
  float eps = 1e-5f;
};

mx::array linear(const mx::array& x, const Linear& layer);
mx::array layer_norm(const mx::array& x, const LayerNorm& norm);

// transformers' ACT2FN by name; "gelu" is the exact (erf) GELU.
mx::array activation(const mx::array& x, const std::string& name);

// [B, L, heads*head_dim] -> [B, heads, L, head_dim]
mx::array split_heads(const mx::array& x, int num_heads);
// [B, heads, L, head_dim] -> [B, L, heads*head_dim]
mx::array merge_heads(const mx::array& x);

}  // namespace mlxocr
