// A decoding step of one TrOCR decoder layer as three MLX primitives (see cpu_decoder_step.h for
// why): two append the new token's keys and values to the self-attention caches, one runs the
// rest of the layer; the arithmetic is that of the separate kernels (kernels/cpu/row_kernels.h),
// chained on scratch buffers instead of through ~40 MLX operations.
//
// Why three and not one: the caches are updated in place when MLX lets their buffers be donated,
// and MLX donates an input only to a primitive that holds the sole reference to it. The outputs
// of a multi-output primitive each hold a copy of its inputs, so a cache passed to one would never
// be donated and every step would copy every cache.
#include "model/cpu_decoder_step.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "kernels/cpu/enabled.h"
#include "kernels/cpu/linear_rows.h"
#include "kernels/cpu/primitive.h"
#include "kernels/cpu/row_kernels.h"
#include "mlxocr/error.h"
#include "model/dropout.h"

namespace mlxocr {

namespace {

using kernel::for_rows;

std::atomic<bool>& fusion_enabled() {
  static std::atomic<bool> enabled{[] {
    const char* env = std::getenv("MLXOCR_FUSED_STEP");
    return env == nullptr || std::string(env) != "0";
  }()};
  return enabled;
}

enum class Activation { gelu, relu };

// The inputs of the layer's kernel: these five, then the six linear layers (a float32 weight, or
// the codes, scales and biases of a quantized one; then the bias), then the three layer norms
// (weight, bias). The cache kernels take the cache, the hidden states and qkv_proj.
enum Input { kHidden, kSelfKeys, kSelfValues, kCrossKeys, kCrossValues };
// The linear layers of a TrOCRDecoderLayer in input order.
enum LinearIndex { kQkv, kSelfOut, kCrossQ, kCrossOut, kFc1, kFc2, kLinearCount };

// Where one linear layer's operands sit in the inputs, and what they are.
struct LinearSlot {
  int first = 0;  // the weight, or the codes
  int bits = 0;   // 0: a float32 weight; 8 or 4: quantized
  int group_size = 0;
  std::int64_t in = 0, out = 0;
  int bias() const { return first + (bits ? 3 : 1); }
};

struct StepLayout {
  LinearSlot linears[kLinearCount];
  int norms = 0;  // the first layer norm's weight
  float eps[3] = {};
  int heads = 0;
  int position = 0;
  Activation activation = Activation::gelu;
};

// Appends `linear`'s operands to `inputs` and says where they are.
LinearSlot add_linear(const Linear& linear, std::vector<mx::array>& inputs) {
  LinearSlot slot;
  slot.first = static_cast<int>(inputs.size());
  slot.in = linear.in_features();
  slot.out = linear.out_features();
  if (linear.quantized) {
    slot.bits = linear.quantized->bits;
    slot.group_size = linear.quantized->group_size;
    inputs.insert(inputs.end(),
                  {linear.quantized->packed, linear.quantized->scales, linear.quantized->biases});
  } else {
    inputs.push_back(linear.weight);
  }
  inputs.push_back(*linear.bias);
  return slot;
}

const Linear& linear_of(const TrOCRDecoderLayer& layer, int index) {
  switch (index) {
    case kQkv:
      return layer.self_attn.qkv_proj;
    case kSelfOut:
      return layer.self_attn.out_proj;
    case kCrossQ:
      return layer.encoder_attn.q_proj;
    case kCrossOut:
      return layer.encoder_attn.out_proj;
    case kFc1:
      return layer.fc1;
    default:
      return layer.fc2;
  }
}

bool linear_supported(const Linear& linear) {
  if (!linear.bias || linear.bias->dtype() != mx::float32) return false;
  if (!linear.quantized) return linear.weight.dtype() == mx::float32;
  const QuantizedMatrix& q = *linear.quantized;
  return quantized_linear_rows_supports(q.group_size, q.bits) && q.scales.dtype() == mx::float32 &&
         q.biases.dtype() == mx::float32;
}

// Outputs [from, to) of y = x W^T + b for `rows` rows of x (y [rows, out]).
void apply_linear(const LinearSlot& slot, const std::vector<mx::array>& in, const float* x,
                  float* y, std::int64_t rows, std::int64_t from, std::int64_t to) {
  kernel::RowWeights w;
  if (slot.bits == 0) {
    w.weights = in[slot.first].data<float>();
  } else {
    w.codes = in[slot.first].data<std::uint32_t>();
    w.scales = in[slot.first + 1].data<float>();
    w.biases = in[slot.first + 2].data<float>();
    w.bits = slot.bits;
    w.group = slot.group_size;
  }
  kernel::linear_rows_shared(w, x, in[slot.bias()].data<float>(), y, rows, slot.in, slot.out, from,
                             to);
}

void apply_linear(const LinearSlot& slot, const std::vector<mx::array>& in, const float* x,
                  float* y, std::int64_t rows) {
  apply_linear(slot, in, x, y, rows, 0, slot.out);
}

// softmax(scale * K q) V for one head; plain loops for head widths attend_one_query does not
// take (the tiny test checkpoints have 6 and 12).
void attend(const float* q, const float* k, const float* v, float* out, std::int64_t keys,
            std::int64_t dim, float scale, float* scores) {
  if (dim % 8 == 0 && dim <= kernel::kMaxHeadDim) {
    kernel::attend_one_query(q, k, v, out, keys, dim, scale, scores);
    return;
  }
  float top = -std::numeric_limits<float>::infinity();
  for (std::int64_t j = 0; j < keys; ++j) {
    float dot = 0.0f;
    for (std::int64_t c = 0; c < dim; ++c)
      dot += q[c] * scale * k[j * dim + c];
    scores[j] = dot;
    top = std::max(top, dot);
  }
  std::fill(out, out + dim, 0.0f);
  float total = 0.0f;
  for (std::int64_t j = 0; j < keys; ++j) {
    const float weight = std::exp(scores[j] - top);
    total += weight;
    for (std::int64_t c = 0; c < dim; ++c)
      out[c] += weight * v[j * dim + c];
  }
  for (std::int64_t c = 0; c < dim; ++c)
    out[c] /= total;
}

// The attention of each sequence's one query over the first `keys` rows of its heads' keys and
// values [B, heads, capacity, dim]; the queries of sequence b start at q + b * q_stride, the
// result is written with the heads merged, [B, heads * dim].
struct HeadsView {
  const float* keys;
  const float* values;
  std::int64_t capacity;
};
void attend_heads(const float* q, std::int64_t q_stride, HeadsView kv, std::int64_t keys,
                  float* out, std::int64_t batch, std::int64_t heads, std::int64_t dim) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
  for_rows(batch * heads, 2 * keys * dim, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> scores(keys);
    for (std::int64_t i = begin; i < end; ++i) {
      const std::int64_t b = i / heads, h = i % heads;
      const std::int64_t head = i * kv.capacity * dim;
      attend(q + b * q_stride + h * dim, kv.keys + head, kv.values + head,
             out + (b * heads + h) * dim, keys, dim, scale, scores.data());
    }
  });
}

// out = LayerNorm(x + y) for each row (the post-LN residual); y is overwritten, out may be x.
void add_and_norm(const float* x, float* y, const std::vector<mx::array>& in, int norm, float eps,
                  float* out, std::int64_t rows, std::int64_t width) {
  const float* w = in[norm].data<float>();
  const float* b = in[norm + 1].data<float>();
  for (std::int64_t r = 0; r < rows; ++r) {
    float* row = y + r * width;
    for (std::int64_t c = 0; c < width; ++c)
      row[c] += x[r * width + c];
    kernel::layer_norm_row(row, w, b, out + r * width, width, eps);
  }
}

void activate(Activation activation, float* x, std::int64_t n) {
  if (activation == Activation::gelu) {
    kernel::gelu_span(x, x, n);
  } else {
    for (std::int64_t i = 0; i < n; ++i)
      x[i] = std::max(x[i], 0.0f);  // NaN stays NaN, as in torch.relu
  }
}

// The layer on in[kHidden], whose keys and values the cache kernels have already appended.
void run_layer_step(const StepLayout& layout, const std::vector<mx::array>& in, float* out) {
  const std::int64_t width = in[kHidden].shape(-1);
  const std::int64_t rows = static_cast<std::int64_t>(in[kHidden].size()) / width;
  const std::int64_t heads = layout.heads, dim = width / heads;
  const std::int64_t capacity = in[kSelfKeys].shape(2), source = in[kCrossKeys].shape(2);
  const float* h = in[kHidden].data<float>();
  std::vector<float> qkv(rows * 3 * width), attended(rows * width), branch(rows * width),
      x(rows * width), ffn(rows * layout.linears[kFc1].out);

  // Self-attention of the new token's query (the first third of qkv_proj) over cache rows
  // 0..position.
  apply_linear(layout.linears[kQkv], in, h, qkv.data(), rows, 0, width);
  attend_heads(qkv.data(), 3 * width,
               {in[kSelfKeys].data<float>(), in[kSelfValues].data<float>(), capacity},
               layout.position + 1, attended.data(), rows, heads, dim);
  apply_linear(layout.linears[kSelfOut], in, attended.data(), branch.data(), rows);
  add_and_norm(h, branch.data(), in, layout.norms, layout.eps[0], x.data(), rows, width);

  // Cross-attention over the image (qkv's first rows * width floats hold the queries).
  apply_linear(layout.linears[kCrossQ], in, x.data(), qkv.data(), rows);
  attend_heads(qkv.data(), width,
               {in[kCrossKeys].data<float>(), in[kCrossValues].data<float>(), source}, source,
               attended.data(), rows, heads, dim);
  apply_linear(layout.linears[kCrossOut], in, attended.data(), branch.data(), rows);
  add_and_norm(x.data(), branch.data(), in, layout.norms + 2, layout.eps[1], x.data(), rows, width);

  // Feed-forward.
  apply_linear(layout.linears[kFc1], in, x.data(), ffn.data(), rows);
  activate(layout.activation, ffn.data(), static_cast<std::int64_t>(ffn.size()));
  apply_linear(layout.linears[kFc2], in, ffn.data(), branch.data(), rows);
  add_and_norm(x.data(), branch.data(), in, layout.norms + 4, layout.eps[2], out, rows, width);
}

// The kernels of the step: inference only.
class StepKernel : public kernel::KernelPrimitive {
 public:
  using KernelPrimitive::KernelPrimitive;
  std::vector<mx::array> vjp(const std::vector<mx::array>&, const std::vector<mx::array>&,
                             const std::vector<int>&, const std::vector<mx::array>&) override {
    throw UsageError(
        "internal error: the fused decoding step has no gradient (training decodes whole "
        "sequences)");
  }
};

// The cache [B, heads, capacity, head_dim] with row `position` of every head set to the new
// token's keys (part 1) or values (part 2): that part of qkv_proj applied to the hidden states.
// Inputs: the cache, the hidden states, qkv_proj's operands.
class CacheAppendKernel : public StepKernel {
 public:
  CacheAppendKernel(mx::Stream stream, LinearSlot qkv, int part, int heads, int position)
      : StepKernel(stream), qkv_(qkv), part_(part), heads_(heads), position_(position) {}
  const char* name() const override { return "MlxocrDecoderCacheAppend"; }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    // In place when nobody else holds the cache (a decoding loop replaces it by this output);
    // otherwise the new row goes into a copy.
    const bool copy = !inputs[0].is_donatable();
    kernel::allocate_like(inputs[0], out);
    kernel::dispatch(stream(), inputs, out,
                     [qkv = qkv_, part = part_, heads = heads_, position = position_, copy](
                         std::vector<mx::array>& in, mx::array& cache) {
                       if (copy)
                         std::memcpy(cache.data<float>(), in[0].data<float>(), in[0].nbytes());
                       const std::int64_t width = in[1].shape(-1), dim = width / heads;
                       const std::int64_t rows = static_cast<std::int64_t>(in[1].size()) / width;
                       const std::int64_t capacity = cache.shape(2);
                       std::vector<float> projected(rows * qkv.out);
                       apply_linear(qkv, in, in[1].data<float>(), projected.data(), rows,
                                    part * width, (part + 1) * width);
                       float* dst = cache.data<float>();
                       for (std::int64_t b = 0; b < rows; ++b)
                         for (std::int64_t h = 0; h < heads; ++h)
                           std::memcpy(dst + ((b * heads + h) * capacity + position) * dim,
                                       projected.data() + b * qkv.out + part * width + h * dim,
                                       dim * sizeof(float));
                     });
  }

 private:
  LinearSlot qkv_;
  int part_, heads_, position_;
};

// The layer's output for the hidden states [B, 1, d_model] (inputs as `Input` says).
class LayerStepKernel : public StepKernel {
 public:
  LayerStepKernel(mx::Stream stream, StepLayout layout) : StepKernel(stream), layout_(layout) {}
  const char* name() const override { return "MlxocrDecoderLayerStep"; }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    kernel::dispatch(stream(), inputs, out,
                     [layout = layout_](std::vector<mx::array>& in, mx::array& y) {
                       run_layer_step(layout, in, y.data<float>());
                     });
  }

 private:
  StepLayout layout_;
};

}  // namespace

void set_fused_decoding_step(bool enabled) {
  fusion_enabled() = enabled;
}

bool decoder_layer_step_supports(const TrOCRDecoderLayer& layer, const DecoderConfig& config,
                                 const mx::array& h) {
  if (!fusion_enabled() || !cpu_kernels_apply(h) || dropout_active()) return false;
  if (h.ndim() != 3 || h.shape(1) != 1 || h.shape(0) > kLinearRowsMax) return false;
  const std::string& activation = config.activation_function;
  if (activation != "gelu" && activation != "relu") return false;
  for (int i = 0; i < kLinearCount; ++i)
    if (!linear_supported(linear_of(layer, i))) return false;
  for (const LayerNorm* norm :
       {&layer.self_attn_layer_norm, &layer.encoder_attn_layer_norm, &layer.final_layer_norm})
    if (norm->weight.dtype() != mx::float32 || norm->bias.dtype() != mx::float32) return false;
  return true;
}

DecoderLayerStep decoder_layer_step_cpu(const TrOCRDecoderLayer& layer, const DecoderConfig& config,
                                        const mx::array& h, const mx::array& self_keys,
                                        const mx::array& self_values, const mx::array& cross_keys,
                                        const mx::array& cross_values, int position) {
  if (!decoder_layer_step_supports(layer, config, h))
    throw UsageError("internal error: decoder_layer_step_cpu called where it does not apply");
  const int heads = config.decoder_attention_heads, width = config.d_model;
  const mx::Shape cache = {h.shape(0), heads, self_keys.ndim() == 4 ? self_keys.shape(2) : 0,
                           width / heads};
  if (self_keys.shape() != cache || self_values.shape() != cache || position < 0 ||
      position >= cache[2] || cross_keys.ndim() != 4 ||
      cross_keys.shape() != cross_values.shape() || cross_keys.shape(0) != h.shape(0) ||
      cross_keys.shape(1) != heads || cross_keys.shape(3) != width / heads)
    throw UsageError("internal error: decoder_layer_step_cpu's caches do not fit the layer");

  // The keys and values of the new token first: the layer's kernel reads the updated caches.
  mx::array caches[2] = {self_keys, self_values};
  for (int part : {1, 2}) {
    std::vector<mx::array> inputs = {caches[part - 1], h};
    const LinearSlot qkv = add_linear(layer.self_attn.qkv_proj, inputs);
    caches[part - 1] = kernel::make(
        std::make_shared<CacheAppendKernel>(kernel::cpu_stream(), qkv, part, heads, position),
        std::move(inputs));
  }

  StepLayout layout;
  layout.heads = heads;
  layout.position = position;
  layout.activation = config.activation_function == "gelu" ? Activation::gelu : Activation::relu;
  std::vector<mx::array> inputs = {h, caches[0], caches[1], cross_keys, cross_values};
  for (int i = 0; i < kLinearCount; ++i)
    layout.linears[i] = add_linear(linear_of(layer, i), inputs);
  layout.norms = static_cast<int>(inputs.size());
  int n = 0;
  for (const LayerNorm* norm :
       {&layer.self_attn_layer_norm, &layer.encoder_attn_layer_norm, &layer.final_layer_norm}) {
    inputs.insert(inputs.end(), {norm->weight, norm->bias});
    layout.eps[n++] = norm->eps;
  }
  mx::array hidden = kernel::make(std::make_shared<LayerStepKernel>(kernel::cpu_stream(), layout),
                                  std::move(inputs));
  return {std::move(hidden), std::move(caches[0]), std::move(caches[1])};
}

}  // namespace mlxocr
