#include "model/layers.h"

#include <mlx/fast.h>
#include <mlx/ops.h>
#include <cmath>

#include "mlxocr/error.h"

namespace mlxocr {

mx::array linear(const mx::array& x, const Linear& layer) {
  // addmm/matmul read the transposed weight through strides; no copy is made.
  if (layer.bias) return mx::addmm(*layer.bias, x, mx::transpose(layer.weight));
  return mx::matmul(x, mx::transpose(layer.weight));
}

mx::array layer_norm(const mx::array& x, const LayerNorm& norm) {
  return mx::fast::layer_norm(x, norm.weight, norm.bias, norm.eps);
}

mx::array activation(const mx::array& x, const std::string& name) {
  if (name == "gelu") {
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

mx::array split_heads(const mx::array& x, int num_heads) {
  const int batch = x.shape(0), length = x.shape(1), width = x.shape(2);
  return mx::transpose(mx::reshape(x, {batch, length, num_heads, width / num_heads}), {0, 2, 1, 3});
}

mx::array merge_heads(const mx::array& x) {
  const int batch = x.shape(0), heads = x.shape(1), length = x.shape(2), dim = x.shape(3);
  return mx::reshape(mx::transpose(x, {0, 2, 1, 3}), {batch, length, heads * dim});
}

}  // namespace mlxocr
