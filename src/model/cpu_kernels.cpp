#include "model/cpu_kernels.h"

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "mlxocr/error.h"
#include "model/vector_math.h"

// On x86-64 Linux each kernel is compiled twice, for AVX2+FMA and for the baseline, and the
// loader picks the one the CPU supports (GCC function multi-versioning).
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define MLXOCR_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MLXOCR_KERNEL
#endif

namespace mlxocr {

namespace {

using vmath::f8;
constexpr int kLanes = 8;

// ---- The arithmetic: plain loops over contiguous floats -------------------------------------

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
  float sum = 0.0f;
  for (int lane = 0; lane < kLanes; ++lane)
    sum += total[lane];
  const float inverse = 1.0f / sum;
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
  float dot = 0.0f;
  for (int lane = 0; lane < kLanes; ++lane)
    dot += acc[lane];
  for (; i < length; ++i)
    dot += g[i] * y[i];
  for (i = 0; i + kLanes <= length; i += kLanes) {
    const f8 yv = vmath::load(y + i);
    vmath::store(dx + i, scale * yv * (vmath::load(g + i) - dot));
  }
  for (; i < length; ++i)
    dx[i] = scale * y[i] * (g[i] - dot);
}

// ---- Threads ---------------------------------------------------------------------------------

// Below this many floats per thread, starting a thread costs more than it saves.
constexpr std::int64_t kMinFloatsPerThread = 1 << 15;

// Calls fn(begin, end) on disjoint ranges covering [0, rows), on up to cpu_kernel_threads()
// threads; the calling thread takes the first range.
template <class Fn>
void for_rows(std::int64_t rows, std::int64_t row_floats, Fn fn) {
  const std::int64_t by_work = std::max<std::int64_t>(1, rows * row_floats / kMinFloatsPerThread);
  const auto count = static_cast<int>(
      std::min<std::int64_t>({cpu_kernel_threads(), by_work, std::max<std::int64_t>(rows, 1)}));
  if (count <= 1) {
    fn(std::int64_t{0}, rows);
    return;
  }
  std::vector<std::thread> helpers;
  helpers.reserve(count - 1);
  for (int t = 1; t < count; ++t)
    helpers.emplace_back(fn, rows * t / count, rows * (t + 1) / count);
  fn(std::int64_t{0}, rows / count);
  for (std::thread& helper : helpers)
    helper.join();
}

// Calls fn(from, to) on consecutive spans covering [0, n) of an element-wise kernel, the spans
// shared out between threads.
template <class Fn>
void for_spans(std::int64_t n, Fn fn) {
  constexpr std::int64_t kSpan = 4096;
  for_rows((n + kSpan - 1) / kSpan, kSpan, [&](std::int64_t begin, std::int64_t end) {
    fn(begin * kSpan, std::min(end * kSpan, n));
  });
}

// ---- MLX primitives ------------------------------------------------------------------------

// The output buffer: the input's when MLX says nobody else holds it (inference), else new.
void allocate_like(const mx::array& input, mx::array& out) {
  if (input.is_donatable() && input.itemsize() == out.itemsize()) {
    out.copy_shared_buffer(input);
  } else {
    out.set_data(mx::allocator::malloc(out.nbytes()));
  }
}

// Runs `work` on the stream's CPU worker after the inputs are computed, as MLX's own CPU kernels
// do; the weak copies keep no extra references that would block buffer donation.
template <class Work>
void dispatch(const mx::Stream& stream, const std::vector<mx::array>& inputs, mx::array& out,
              Work work) {
  auto& encoder = mx::cpu::get_command_encoder(stream);
  for (const mx::array& input : inputs)
    encoder.set_input_array(input);
  encoder.set_output_array(out);
  std::vector<mx::array> weak_inputs;
  for (const mx::array& input : inputs)
    weak_inputs.push_back(mx::array::unsafe_weak_copy(input));
  encoder.dispatch([inputs = std::move(weak_inputs), out = mx::array::unsafe_weak_copy(out),
                    work = std::move(work)]() mutable { work(inputs, out); });
}

class KernelPrimitive : public mx::UnaryPrimitive {
 public:
  using mx::UnaryPrimitive::UnaryPrimitive;
  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw UsageError("internal error: a CPU kernel of mlxocr was scheduled on a GPU stream");
  }
  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {inputs[0].shape()};
  }
};

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
        gelu_span(x + from, dst + from, to - from);
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
                   softmax_row(x + r * keys, dst + r * keys, keys, visible, scale);
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
    dispatch(stream(), inputs, out,
             [scale = scale_, keys](std::vector<mx::array>& in, mx::array& dx) {
               const float* y = in[0].data<float>();
               const float* g = in[1].data<float>();
               float* dst = dx.data<float>();
               const std::int64_t rows =
                   static_cast<std::int64_t>(dx.size()) / std::max<std::int64_t>(keys, 1);
               for_rows(rows, keys, [&](std::int64_t begin, std::int64_t end) {
                 for (std::int64_t r = begin; r < end; ++r)
                   softmax_grad_row(y + r * keys, g + r * keys, dst + r * keys, keys, scale);
               });
             });
  }

 private:
  float scale_;
};

mx::array make(std::shared_ptr<mx::Primitive> primitive, const mx::array& shape_of,
               std::vector<mx::array> inputs) {
  for (mx::array& input : inputs) {
    if (input.dtype() != mx::float32)
      throw UsageError("internal error: mlxocr's CPU kernels take float32 arrays only");
    input = mx::contiguous(input);  // row-major, as the kernels read it (free when it already is)
  }
  return mx::array(shape_of.shape(), mx::float32, std::move(primitive), std::move(inputs));
}

mx::array gelu_erf_grad_cpu(const mx::array& x, const mx::array& g) {
  return make(std::make_shared<GeluErfGrad>(mx::default_stream(mx::Device::cpu)), x, {x, g});
}

mx::array scaled_softmax_grad_cpu(const mx::array& y, const mx::array& g, float scale) {
  return make(std::make_shared<ScaledSoftmaxGrad>(mx::default_stream(mx::Device::cpu), scale), y,
              {y, g});
}

}  // namespace

bool cpu_kernels_apply(const mx::array& x) {
  return cpu_kernels_apply(x.dtype());
}

bool cpu_kernels_apply(mx::Dtype dtype) {
  static const bool enabled = [] {
    const char* env = std::getenv("MLXOCR_CPU_KERNELS");
    return env == nullptr || std::string(env) != "0";
  }();
  return enabled && dtype == mx::float32 && mx::default_device() == mx::Device::cpu;
}

namespace {
std::atomic<int> thread_override{0};
}  // namespace

void set_cpu_kernel_threads(int n) {
  thread_override = n > 0 ? std::min(n, 64) : 0;
}

int cpu_kernel_threads() {
  if (const int n = thread_override.load(); n > 0) return n;
  static const int threads = [] {
    if (const char* env = std::getenv("MLXOCR_THREADS")) {
      const int requested = std::atoi(env);
      if (requested > 0) return std::min(requested, 64);
    }
    return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  }();
  return threads;
}

mx::array gelu_erf_cpu(const mx::array& x) {
  return make(std::make_shared<GeluErf>(mx::default_stream(mx::Device::cpu)), x, {x});
}

mx::array scaled_softmax_cpu(const mx::array& scores, float scale, bool causal) {
  if (scores.ndim() < 1 || !(scale > 0.0f))
    throw UsageError("scaled_softmax_cpu needs scores with a last axis and a positive scale");
  return make(std::make_shared<ScaledSoftmax>(mx::default_stream(mx::Device::cpu), scale, causal),
              scores, {scores});
}

}  // namespace mlxocr
