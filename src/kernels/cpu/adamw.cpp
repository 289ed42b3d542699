#include "kernels/cpu/adamw.h"

#include <cstdint>
#include <vector>

#include "kernels/cpu/primitive.h"
#include "kernels/cpu/vector_math.h"

namespace mlxocr {

namespace {

using vmath::f8;
using vmath::kLanes;

// The update of elements [0, n), in the order of operations of optimizer.cpp's MLX-op version.
MLXOCR_KERNEL void adamw_span(const float* p, const float* g, float scale, const float* m,
                              const float* v, float* p_out, float* m_out, float* v_out,
                              std::int64_t n, const AdamWScalars& s) {
  auto one = [&s, scale](f8 pv, f8 gv, f8 mv, f8 vv, f8& new_m, f8& new_v) {
    gv = gv * scale;
    new_m = mv + s.one_minus_beta1 * (gv - mv);
    new_v = vv * s.beta2 + s.one_minus_beta2 * (gv * gv);
    f8 root;
    for (int lane = 0; lane < kLanes; ++lane)
      root[lane] = __builtin_sqrtf(new_v[lane]);
    const f8 denom = root / s.correction2_sqrt + s.eps;
    return pv * s.decay - s.step_size * (new_m / denom);
  };
  std::int64_t i = 0;
  f8 new_m, new_v;
  for (; i + kLanes <= n; i += kLanes) {
    const f8 new_p = one(vmath::load(p + i), vmath::load(g + i), vmath::load(m + i),
                         vmath::load(v + i), new_m, new_v);
    vmath::store(p_out + i, new_p);
    vmath::store(m_out + i, new_m);
    vmath::store(v_out + i, new_v);
  }
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    const f8 new_p =
        one(vmath::load_partial(p + i, rest, 0.0f), vmath::load_partial(g + i, rest, 0.0f),
            vmath::load_partial(m + i, rest, 0.0f), vmath::load_partial(v + i, rest, 0.0f), new_m,
            new_v);
    vmath::store_partial(p_out + i, new_p, rest);
    vmath::store_partial(m_out + i, new_m, rest);
    vmath::store_partial(v_out + i, new_v, rest);
  }
}

MLXOCR_KERNEL float sum_of_squares_span(const float* x, std::int64_t n) {
  f8 acc = vmath::splat(0.0f);
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const f8 v = vmath::load(x + i);
    acc += v * v;
  }
  float total = vmath::sum(acc);
  for (; i < n; ++i)
    total += x[i] * x[i];
  return total;
}

// Inputs p, g, scale, m, v; outputs p', m', v' (each in its input's buffer when MLX allows).
class AdamWStep : public kernel::MultiKernelPrimitive {
 public:
  AdamWStep(mx::Stream stream, const AdamWScalars& scalars)
      : MultiKernelPrimitive(stream), scalars_(scalars) {}
  const char* name() const override { return "MlxocrAdamWStep"; }
  bool is_equivalent(const mx::Primitive&) const override { return false; }

  void eval_cpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) override {
    kernel::allocate_like(inputs[0], outputs[0]);
    kernel::allocate_like(inputs[3], outputs[1]);
    kernel::allocate_like(inputs[4], outputs[2]);
    kernel::dispatch_outputs(
        stream(), inputs, outputs,
        [s = scalars_](std::vector<mx::array>& in, std::vector<mx::array>& out) {
          const float* p = in[0].data<float>();
          const float* g = in[1].data<float>();
          const float scale = in[2].data<float>()[0];
          const float* m = in[3].data<float>();
          const float* v = in[4].data<float>();
          float* p_out = out[0].data<float>();
          float* m_out = out[1].data<float>();
          float* v_out = out[2].data<float>();
          kernel::for_spans(static_cast<std::int64_t>(in[0].size()),
                            [&](std::int64_t from, std::int64_t to) {
                              adamw_span(p + from, g + from, scale, m + from, v + from,
                                         p_out + from, m_out + from, v_out + from, to - from, s);
                            });
        });
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {inputs[0].shape(), inputs[0].shape(), inputs[0].shape()};
  }

 private:
  AdamWScalars scalars_;
};

class SumOfSquares : public kernel::KernelPrimitive {
 public:
  using KernelPrimitive::KernelPrimitive;
  const char* name() const override { return "MlxocrSumOfSquares"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    kernel::dispatch(stream(), inputs, out, [](std::vector<mx::array>& in, mx::array& result) {
      constexpr std::int64_t kBlock = 4096;
      const float* x = in[0].data<float>();
      const auto n = static_cast<std::int64_t>(in[0].size());
      std::vector<double> blocks((n + kBlock - 1) / kBlock);
      kernel::for_rows(static_cast<std::int64_t>(blocks.size()), kBlock,
                       [&](std::int64_t begin, std::int64_t end) {
                         for (std::int64_t b = begin; b < end; ++b)
                           blocks[b] = sum_of_squares_span(x + b * kBlock,
                                                           std::min(kBlock, n - b * kBlock));
                       });
      double total = 0.0;
      for (double block : blocks)
        total += block;
      result.data<float>()[0] = static_cast<float>(total);
    });
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>&) override { return {{}}; }
};

}  // namespace

std::vector<mx::array> adamw_step_cpu(const mx::array& param, const mx::array& grad,
                                      const mx::array& grad_scale, const mx::array& exp_avg,
                                      const mx::array& exp_avg_sq, const AdamWScalars& scalars) {
  const mx::Shape& shape = param.shape();
  if (grad.shape() != shape || exp_avg.shape() != shape || exp_avg_sq.shape() != shape ||
      grad_scale.size() != 1)
    throw UsageError("adamw_step_cpu needs parameter, gradient and moments of one shape");
  return kernel::make_outputs(std::make_shared<AdamWStep>(kernel::cpu_stream(), scalars),
                              {param, grad, mx::reshape(grad_scale, {}), exp_avg, exp_avg_sq});
}

mx::array sum_of_squares_cpu(const mx::array& x) {
  return kernel::make(std::make_shared<SumOfSquares>(kernel::cpu_stream()), {x});
}

}  // namespace mlxocr
