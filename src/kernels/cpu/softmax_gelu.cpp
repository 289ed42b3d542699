#include "kernels/cpu/softmax_gelu.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/cpu/primitive.h"
#include "kernels/cpu/row_kernels.h"
#include "kernels/cpu/vector_math.h"

namespace mlxocr {

namespace kernel {

using vmath::f8;
using vmath::kLanes;

// One row of softmax(scale * x) over its first `visible` entries; the rest of the row gets 0.
MLXOCR_KERNEL void softmax_row(const float* x, float* y, std::int64_t length, std::int64_t visible,
                               float scale) {
  const float lowest = -__builtin_inff();
  f8 top = vmath::splat(lowest);
  std::int64_t i = 0;
  for (; i + kLanes <= visible; i += kLanes) {
    const f8 v = vmath::load(x + i);
    top = vmath::select(v > top, v, top);
  }
  float m = lowest;
  for (int lane = 0; lane < kLanes; ++lane)
    m = std::max(m, top[lane]);
  for (; i < visible; ++i)
    m = std::max(m, x[i]);
  const float shift = scale * m;  // scale > 0: the largest scaled score
  f8 total = vmath::splat(0.0f);
  for (i = 0; i + kLanes <= visible; i += kLanes) {
    const f8 e = vmath::exp(vmath::load(x + i) * scale - shift);
    vmath::store(y + i, e);
    total += e;
  }
  if (i < visible) {
    const int rest = static_cast<int>(visible - i);
    const f8 e = vmath::exp(vmath::load_partial(x + i, rest, lowest) * scale - shift);
    vmath::store_partial(y + i, e, rest);
    total += e;
  }
  const float inverse = 1.0f / vmath::sum(total);
  for (i = 0; i + kLanes <= visible; i += kLanes)
    vmath::store(y + i, vmath::load(y + i) * inverse);
  for (; i < visible; ++i)
    y[i] *= inverse;
  std::fill(y + visible, y + length, 0.0f);
}

// One row of the softmax gradient: dx = scale * y * (g - sum(g * y)).
MLXOCR_KERNEL void softmax_grad_row(const float* y, const float* g, float* dx, std::int64_t length,
                                    float scale) {
  f8 acc = vmath::splat(0.0f);
  std::int64_t i = 0;
  for (; i + kLanes <= length; i += kLanes)
    acc += vmath::load(g + i) * vmath::load(y + i);
  float dot = vmath::sum(acc);
  for (; i < length; ++i)
    dot += g[i] * y[i];
  for (i = 0; i + kLanes <= length; i += kLanes) {
    const f8 yv = vmath::load(y + i);
    vmath::store(dx + i, scale * yv * (vmath::load(g + i) - dot));
  }
  for (; i < length; ++i)
    dx[i] = scale * y[i] * (g[i] - dot);
}

MLXOCR_KERNEL void gelu_span(const float* x, float* y, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const f8 v = vmath::load(x + i);
    vmath::store(y + i, v * vmath::normal_cdf(v));
  }
  if (i < n) {
    const f8 v = vmath::load_partial(x + i, static_cast<int>(n - i), 0.0f);
    vmath::store_partial(y + i, v * vmath::normal_cdf(v), static_cast<int>(n - i));
  }
}

}  // namespace kernel

namespace {

using kernel::allocate_like;
using kernel::cpu_stream;
using kernel::dispatch;
using kernel::for_rows;
using kernel::for_spans;
using kernel::KernelPrimitive;
using kernel::make;
using vmath::f8;
using vmath::kLanes;

// ---- The arithmetic: plain loops over contiguous floats -------------------------------------

// d/dx x Phi(x) = Phi(x) + x phi(x), times the incoming gradient.
MLXOCR_KERNEL void gelu_grad_span(const float* x, const float* g, float* dx, std::int64_t n) {
  auto one = [](f8 v, f8 grad) { return grad * (vmath::normal_cdf(v) + v * vmath::normal_pdf(v)); };
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    vmath::store(dx + i, one(vmath::load(x + i), vmath::load(g + i)));
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    vmath::store_partial(
        dx + i, one(vmath::load_partial(x + i, rest, 0.0f), vmath::load_partial(g + i, rest, 0.0f)),
        rest);
  }
}

mx::array gelu_erf_grad_cpu(const mx::array& x, const mx::array& g);
mx::array scaled_softmax_grad_cpu(const mx::array& y, const mx::array& g, float scale);

class GeluErf : public KernelPrimitive {
 public:
  using KernelPrimitive::KernelPrimitive;
  const char* name() const override { return "MlxocrGeluErf"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    allocate_like(inputs[0], out);
    dispatch(stream(), inputs, out, [](std::vector<mx::array>& in, mx::array& y) {
      const float* x = in[0].data<float>();
      float* dst = y.data<float>();
      for_spans(static_cast<std::int64_t>(y.size()), [&](std::int64_t from, std::int64_t to) {
        kernel::gelu_span(x + from, dst + from, to - from);
      });
    });
  }

  std::vector<mx::array> vjp(const std::vector<mx::array>& primals,
                             const std::vector<mx::array>& cotangents, const std::vector<int>&,
                             const std::vector<mx::array>&) override {
    return {gelu_erf_grad_cpu(primals[0], cotangents[0])};
  }
};

class GeluErfGrad : public KernelPrimitive {
 public:
  using KernelPrimitive::KernelPrimitive;
  const char* name() const override { return "MlxocrGeluErfGrad"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    allocate_like(inputs[1], out);
    dispatch(stream(), inputs, out, [](std::vector<mx::array>& in, mx::array& dx) {
      const float* x = in[0].data<float>();
      const float* g = in[1].data<float>();
      float* dst = dx.data<float>();
      for_spans(static_cast<std::int64_t>(dx.size()), [&](std::int64_t from, std::int64_t to) {
        gelu_grad_span(x + from, g + from, dst + from, to - from);
      });
    });
  }
};

class ScaledSoftmax : public KernelPrimitive {
 public:
  ScaledSoftmax(mx::Stream stream, float scale, bool causal)
      : KernelPrimitive(stream), scale_(scale), causal_(causal) {}
  const char* name() const override { return "MlxocrScaledSoftmax"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const ScaledSoftmax&>(other);
    return scale_ == o.scale_ && causal_ == o.causal_;
  }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    allocate_like(inputs[0], out);
    const int ndim = out.ndim();
    const std::int64_t keys = out.shape(ndim - 1);
    const std::int64_t queries = ndim >= 2 ? out.shape(ndim - 2) : 1;
    dispatch(stream(), inputs, out,
             [scale = scale_, causal = causal_, keys, queries](std::vector<mx::array>& in,
                                                               mx::array& y) {
               const float* x = in[0].data<float>();
               float* dst = y.data<float>();
               const std::int64_t rows =
                   static_cast<std::int64_t>(y.size()) / std::max<std::int64_t>(keys, 1);
               for_rows(rows, keys, [&](std::int64_t begin, std::int64_t end) {
                 for (std::int64_t r = begin; r < end; ++r) {
                   const std::int64_t query = r % queries;
                   const std::int64_t visible =
                       causal ? std::clamp<std::int64_t>(query + keys - queries + 1, 0, keys)
                              : keys;
                   kernel::softmax_row(x + r * keys, dst + r * keys, keys, visible, scale);
                 }
               });
             });
  }

  std::vector<mx::array> vjp(const std::vector<mx::array>&,
                             const std::vector<mx::array>& cotangents, const std::vector<int>&,
                             const std::vector<mx::array>& outputs) override {
    return {scaled_softmax_grad_cpu(outputs[0], cotangents[0], scale_)};
  }

 private:
  float scale_;
  bool causal_;
};

class ScaledSoftmaxGrad : public KernelPrimitive {
 public:
  ScaledSoftmaxGrad(mx::Stream stream, float scale) : KernelPrimitive(stream), scale_(scale) {}
  const char* name() const override { return "MlxocrScaledSoftmaxGrad"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return scale_ == static_cast<const ScaledSoftmaxGrad&>(other).scale_;
  }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    allocate_like(inputs[1], out);
    const std::int64_t keys = out.shape(out.ndim() - 1);
    dispatch(
        stream(), inputs, out, [scale = scale_, keys](std::vector<mx::array>& in, mx::array& dx) {
          const float* y = in[0].data<float>();
          const float* g = in[1].data<float>();
          float* dst = dx.data<float>();
          const std::int64_t rows =
              static_cast<std::int64_t>(dx.size()) / std::max<std::int64_t>(keys, 1);
          for_rows(rows, keys, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t r = begin; r < end; ++r)
              kernel::softmax_grad_row(y + r * keys, g + r * keys, dst + r * keys, keys, scale);
          });
        });
  }

 private:
  float scale_;
};

mx::array gelu_erf_grad_cpu(const mx::array& x, const mx::array& g) {
  return make(std::make_shared<GeluErfGrad>(cpu_stream()), {x, g});
}

mx::array scaled_softmax_grad_cpu(const mx::array& y, const mx::array& g, float scale) {
  return make(std::make_shared<ScaledSoftmaxGrad>(cpu_stream(), scale), {y, g});
}

}  // namespace

mx::array gelu_erf_cpu(const mx::array& x) {
  return make(std::make_shared<GeluErf>(cpu_stream()), {x});
}

mx::array scaled_softmax_cpu(const mx::array& scores, float scale, bool causal) {
  if (scores.ndim() < 1 || !(scale > 0.0f))
    throw UsageError("scaled_softmax_cpu needs scores with a last axis and a positive scale");
  return make(std::make_shared<ScaledSoftmax>(cpu_stream(), scale, causal), {scores});
}

}  // namespace mlxocr
