#include "model/layers.h"

#include <mlx/fast.h>
#include <mlx/ops.h>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/cpu/attention.h"
#include "kernels/cpu/decode_attention.h"
#include "kernels/cpu/enabled.h"
#include "kernels/cpu/int8_linear.h"
#include "kernels/cpu/layer_norm.h"
#include "kernels/cpu/linear.h"
#include "kernels/cpu/linear_rows.h"
#include "kernels/cpu/logsumexp.h"
#include "kernels/cpu/softmax_gelu.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

// Whether x is what our few-row linear kernels take: float32 on the CPU, at most
// kLinearRowsMax rows (one token per sequence of a decoding step).
bool few_float32_rows(const mx::array& x) {
  return cpu_kernels_apply(x) && x.ndim() >= 1 &&
         static_cast<std::int64_t>(x.size()) <= std::int64_t{kLinearRowsMax} * x.shape(-1);
}

bool float32_or_absent(const std::optional<mx::array>& a) {
  return !a || a->dtype() == mx::float32;
}

}  // namespace

mx::array linear(const mx::array& x, const Linear& layer) {
  if (layer.quantized) {
    const QuantizedMatrix& q = *layer.quantized;
    if (few_float32_rows(x) && quantized_linear_rows_supports(q.group_size, q.bits) &&
        q.scales.dtype() == mx::float32 && q.biases.dtype() == mx::float32 &&
        float32_or_absent(layer.bias))
      return quantized_linear_rows_cpu(x, q.packed, q.scales, q.biases, q.group_size, q.bits,
                                       layer.bias);
    // At many rows (an 8-bit encoder, the cross-attention keys of an image): integer products
    // where the CPU has them, else the weight dequantized once for sgemm; MLX's scalar CPU
    // quantized matmul is slower than either.
    if (cpu_kernels_apply(x) && x.ndim() >= 2 &&
        int8_linear_supports(x.shape(-1), layer.out_features(), q.group_size, q.bits) &&
        q.scales.dtype() == mx::float32 && q.biases.dtype() == mx::float32 &&
        float32_or_absent(layer.bias)) {
      mx::Shape shape = x.shape();
      shape.back() = layer.out_features();
      return mx::reshape(int8_linear_cpu(mx::reshape(x, {-1, x.shape(-1)}), q.packed, q.scales,
                                         q.biases, q.group_size, layer.bias),
                         std::move(shape));
    }
    const mx::array y =
        cpu_kernels_apply(x)
            ? mx::matmul(x, mx::transpose(
                                mx::dequantize(q.packed, q.scales, q.biases, q.group_size, q.bits)))
            : mx::quantized_matmul(x, q.packed, q.scales, q.biases, true, q.group_size, q.bits);
    return layer.bias ? y + *layer.bias : y;
  }
  // A decoding step has one row per sequence: there our kernel streams the weight once, where
  // sgemm would first repack all of it.
  if (few_float32_rows(x) && layer.weight.dtype() == mx::float32 && float32_or_absent(layer.bias))
    return linear_rows_cpu(x, layer.weight, layer.bias);
  // One [rows, in] matrix: batched, MLX would broadcast the weight over the batch, and its
  // gradient would be one small product per sequence summed over the batch afterwards.
  if (x.ndim() > 2) {
    mx::Shape shape = x.shape();
    shape.back() = layer.out_features();
    return mx::reshape(linear(mx::reshape(x, {-1, x.shape(-1)}), layer), std::move(shape));
  }
  if (cpu_kernels_apply(x) && layer.weight.dtype() == mx::float32 && float32_or_absent(layer.bias))
    return linear_cpu(x, layer.weight, layer.bias);
  // addmm/matmul read the transposed weight through strides; no copy is made.
  if (layer.bias) return mx::addmm(*layer.bias, x, mx::transpose(layer.weight));
  return mx::matmul(x, mx::transpose(layer.weight));
}

mx::array embedding(const Linear& table, const mx::array& ids) {
  if (!table.quantized) return mx::take(table.weight, ids, 0);
  const QuantizedMatrix& q = *table.quantized;
  return mx::dequantize(mx::take(q.packed, ids, 0), mx::take(q.scales, ids, 0),
                        mx::take(q.biases, ids, 0), q.group_size, q.bits);
}

Linear quantize_linear(const Linear& layer, int group_size, int bits) {
  if (layer.quantized) return layer;
  std::vector<mx::array> parts = mx::quantize(layer.weight, group_size, bits);
  Linear out;
  out.bias = layer.bias;
  out.quantized = QuantizedMatrix{parts[0], parts[1], parts[2], group_size, bits};
  return out;
}

mx::array layer_norm(const mx::array& x, const LayerNorm& norm) {
  if (cpu_kernels_apply(x) && norm.weight.dtype() == mx::float32 &&
      norm.bias.dtype() == mx::float32)
    return layer_norm_cpu(x, norm.weight, norm.bias, norm.eps);
  return mx::fast::layer_norm(x, norm.weight, norm.bias, norm.eps);
}

mx::array logsumexp_last_axis(const mx::array& x) {
  if (cpu_kernels_apply(x)) return logsumexp_cpu(x);
  return mx::logsumexp(x, -1, true);
}

mx::array log_softmax(const mx::array& x) {
  return x - logsumexp_last_axis(x);
}

mx::array activation(const mx::array& x, const std::string& name) {
  if (name == "gelu") {
    if (cpu_kernels_apply(x)) return gelu_erf_cpu(x);
    return x * (1.0f + mx::erf(x * static_cast<float>(M_SQRT1_2))) * 0.5f;
  }
  if (name == "relu") return mx::maximum(x, mx::array(0.0f, x.dtype()));
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") {
    const float c = std::sqrt(2.0f / static_cast<float>(M_PI));
    return 0.5f * x * (1.0f + mx::tanh(c * (x + 0.044715f * x * x * x)));
  }
  if (name == "quick_gelu") return x * mx::sigmoid(1.702f * x);
  if (name == "silu" || name == "swish") return x * mx::sigmoid(x);
  if (name == "tanh") return mx::tanh(x);
  throw ConfigError("unsupported activation function '" + name + "'");
}

mx::array attention(const mx::array& q, const mx::array& k, const mx::array& v, float scale,
                    bool causal) {
  if (!cpu_kernels_apply(q)) {
    return mx::fast::scaled_dot_product_attention(q, k, v, scale, causal ? "causal" : "");
  }
  // One new token per sequence (L = 1): it sees every key, causal or not.
  if (attend_one_query_supports(q, k)) return attend_one_query_cpu(q, k, v, scale);
  const mx::array scores = mx::matmul(q, mx::swapaxes(k, -1, -2));
  return mx::matmul(scaled_softmax_cpu(scores, scale, causal), v);
}

mx::array self_attention_heads(const mx::array& qkv, int heads, bool causal) {
  const int width = qkv.shape(2) / 3, head_dim = width / heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  if (cpu_kernels_apply(qkv))
    return attention_heads_cpu({qkv}, {0, 0}, {0, width}, {0, 2 * width}, heads, head_dim, scale,
                               causal);
  const std::vector<mx::array> parts = mx::split(qkv, 3, -1);
  return merge_heads(attention(split_heads(parts[0], heads), split_heads(parts[1], heads),
                               split_heads(parts[2], heads), scale, causal));
}

mx::array cross_attention_heads(const mx::array& q, const mx::array& kv, int heads) {
  const int width = q.shape(2), head_dim = width / heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  if (cpu_kernels_apply(q) && kv.dtype() == mx::float32)
    return attention_heads_cpu({q, kv}, {0, 0}, {1, 0}, {1, width}, heads, head_dim, scale, false);
  const std::vector<mx::array> parts = mx::split(kv, 2, -1);
  return merge_heads(attention(split_heads(q, heads), split_heads(parts[0], heads),
                               split_heads(parts[1], heads), scale, false));
}

mx::array split_heads(const mx::array& x, int num_heads) {
  const int batch = x.shape(0), length = x.shape(1), width = x.shape(2);
  return mx::transpose(mx::reshape(x, {batch, length, num_heads, width / num_heads}), {0, 2, 1, 3});
}

mx::array merge_heads(const mx::array& x) {
  const int batch = x.shape(0), heads = x.shape(1), length = x.shape(2), dim = x.shape(3);
  return mx::reshape(mx::transpose(x, {0, 2, 1, 3}), {batch, length, heads * dim});
}

}  // namespace mlxocr
