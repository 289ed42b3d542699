// The building blocks shared by encoder and decoder: nn.Linear, nn.LayerNorm and activations,
// as plain structs of MLX arrays named like their PyTorch counterparts.
#pragma once

#include <mlx/array.h>
#include <optional>
#include <string>

namespace mlxocr {

namespace mx = mlx::core;

// A [out, in] matrix in MLX's affine group-wise quantized form (mx::quantize): `packed` holds
// the `bits`-bit codes, [out, in * bits / 32] uint32; every `group_size` consecutive inputs of a
// row share one scale and one bias, [out, in / group_size] each (w ~ scale * code + bias).
struct QuantizedMatrix {
  mx::array packed = mx::array(0u);
  mx::array scales = mx::array(0.0f);
  mx::array biases = mx::array(0.0f);
  int group_size = 64;
  int bits = 4;
};

// nn.Linear: y = x W^T + b, with weight [out_features, in_features] as PyTorch stores it. A
// converted model may hold the weight quantized instead; `weight` is then unused.
struct Linear {
  mx::array weight = mx::array(0.0f);
  std::optional<mx::array> bias;
  std::optional<QuantizedMatrix> quantized;

  int out_features() const { return quantized ? quantized->packed.shape(0) : weight.shape(0); }
  int in_features() const {
    return quantized ? quantized->packed.shape(1) * 32 / quantized->bits : weight.shape(1);
  }
};

// nn.LayerNorm over the last axis.
struct LayerNorm {
  mx::array weight = mx::array(0.0f);
  mx::array bias = mx::array(0.0f);
  float eps = 1e-5f;
};

// x [..., in] -> [..., out]; mx::quantized_matmul when the weight is quantized.
// Which part of the model a Linear belongs to, for choices such as what to quantize.
enum class LinearKind {
  encoder,          // ViT/DeiT layers and enc_to_dec_proj: run once per image
  decoder,          // decoder layers, embedding table, output projection: run once per token
  patch_embedding,  // the encoder's first layer, a Conv2d in disguise
};

// Walks the parameters of a model part by the names they have in a converted folder (the names
// of transformers, with q/k/v fused): what convert writes, quantizes and loads back.
class ParameterVisitor {
 public:
  virtual ~ParameterVisitor() = default;
  virtual void tensor(const std::string& name, mx::array& value) = 0;
  // `name` is the layer's prefix: name.weight, name.bias (and name.scales, name.biases).
  virtual void linear(const std::string& name, Linear& layer, LinearKind kind) = 0;
  void layer_norm(const std::string& name, LayerNorm& norm) {
    tensor(name + ".weight", norm.weight);
    tensor(name + ".bias", norm.bias);
  }
};

mx::array linear(const mx::array& x, const Linear& layer);
// Rows `ids` of a [rows, width] table held as a Linear's weight (an embedding; a quantized table
// is dequantized row by row): ids [...] -> [..., width].
mx::array embedding(const Linear& table, const mx::array& ids);
// `layer` with its weight quantized (bias kept as is). in_features must be a multiple of
// group_size; bits and group_size as mx::quantize accepts them.
Linear quantize_linear(const Linear& layer, int group_size, int bits);
mx::array layer_norm(const mx::array& x, const LayerNorm& norm);

// log(sum(exp(x))) over the last axis, kept as an axis of 1, and x minus it (log_softmax).
mx::array logsumexp_last_axis(const mx::array& x);
mx::array log_softmax(const mx::array& x);

// transformers' ACT2FN by name; "gelu" is the exact (erf) GELU.
mx::array activation(const mx::array& x, const std::string& name);

// softmax(scale * q k^T) v over q [B, heads, L, head_dim], k and v [B, heads, S, head_dim]; with
// `causal`, query i sees keys j <= i + S - L (a block of L new tokens after S - L cached ones).
// MLX's fused scaled_dot_product_attention, except on the CPU in float32, where MLX composes it
// from single-lane kernels and our own softmax (kernels/cpu/softmax_gelu.h) is several times
// faster.
mx::array attention(const mx::array& q, const mx::array& k, const mx::array& v, float scale,
                    bool causal);

// attention() with scale 1/sqrt(head_dim) on projections as the linear layers leave them:
// `qkv` [B, L, 3 * width] holds q, k and v side by side (a fused projection), width = heads *
// head_dim; the result has the heads merged, [B, L, width]. On the CPU in float32 the heads are
// read in place (attention_heads_cpu), where split_heads and merge_heads would copy them.
mx::array self_attention_heads(const mx::array& qkv, int heads, bool causal);
// The same for queries q [B, L, width] over keys and values fused in kv [B, S, 2 * width].
mx::array cross_attention_heads(const mx::array& q, const mx::array& kv, int heads);

// [B, L, heads*head_dim] -> [B, heads, L, head_dim]
mx::array split_heads(const mx::array& x, int num_heads);
// [B, heads, L, head_dim] -> [B, L, heads*head_dim]
mx::array merge_heads(const mx::array& x);

}  // namespace mlxocr
