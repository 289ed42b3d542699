// nn.LayerNorm's forward and gradient as two CPU kernels (see enabled.h for why): one pass
// per row for the statistics and one for the output, rows shared out between threads; the
// gradient's weight and bias sums run over column blocks, so that every column adds its rows in
// the same order whatever the thread count (a resumed run repeats the same losses bit for bit).
#include "kernels/cpu/layer_norm.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/cpu/primitive.h"
#include "kernels/cpu/row_kernels.h"
#include "kernels/cpu/vector_math.h"

namespace mlxocr {

namespace {

using vmath::f8;
using vmath::kLanes;

struct RowMoments {
  float mean;
  float rstd;  // 1 / sqrt(biased variance + eps)
};

// Mean first, then the variance from x - mean (two passes: no cancellation for rows far from 0).
MLXOCR_KERNEL RowMoments row_moments(const float* x, std::int64_t n, float eps) {
  f8 acc = vmath::splat(0.0f);
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    acc += vmath::load(x + i);
  float total = vmath::sum(acc);
  for (; i < n; ++i)
    total += x[i];
  const float mean = total / static_cast<float>(n);
  acc = vmath::splat(0.0f);
  for (i = 0; i + kLanes <= n; i += kLanes) {
    const f8 d = vmath::load(x + i) - mean;
    acc += d * d;
  }
  float squares = vmath::sum(acc);
  for (; i < n; ++i)
    squares += (x[i] - mean) * (x[i] - mean);
  return {mean, 1.0f / std::sqrt(squares / static_cast<float>(n) + eps)};
}

}  // namespace

namespace kernel {

MLXOCR_KERNEL void layer_norm_row(const float* x, const float* w, const float* b, float* y,
                                  std::int64_t n, float eps) {
  const RowMoments m = row_moments(x, n, eps);
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    vmath::store(y + i,
                 (vmath::load(x + i) - m.mean) * m.rstd * vmath::load(w + i) + vmath::load(b + i));
  for (; i < n; ++i)
    y[i] = (x[i] - m.mean) * m.rstd * w[i] + b[i];
}

}  // namespace kernel

namespace {

// dx = rstd * (g w - mean(g w) - xhat * mean(g w xhat)), xhat = (x - mean) * rstd; returns the
// row's moments for the weight's gradient.
MLXOCR_KERNEL RowMoments layer_norm_grad_row(const float* x, const float* w, const float* g,
                                             float* dx, std::int64_t n, float eps) {
  const RowMoments m = row_moments(x, n, eps);
  f8 sum_gw = vmath::splat(0.0f), sum_gw_xhat = vmath::splat(0.0f);
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const f8 gw = vmath::load(g + i) * vmath::load(w + i);
    sum_gw += gw;
    sum_gw_xhat += gw * ((vmath::load(x + i) - m.mean) * m.rstd);
  }
  float a = vmath::sum(sum_gw), c = vmath::sum(sum_gw_xhat);
  for (; i < n; ++i) {
    a += g[i] * w[i];
    c += g[i] * w[i] * ((x[i] - m.mean) * m.rstd);
  }
  const float mean_gw = a / static_cast<float>(n), mean_gw_xhat = c / static_cast<float>(n);
  for (i = 0; i + kLanes <= n; i += kLanes) {
    const f8 xhat = (vmath::load(x + i) - m.mean) * m.rstd;
    vmath::store(
        dx + i, m.rstd * (vmath::load(g + i) * vmath::load(w + i) - mean_gw - xhat * mean_gw_xhat));
  }
  for (; i < n; ++i) {
    const float xhat = (x[i] - m.mean) * m.rstd;
    dx[i] = m.rstd * (g[i] * w[i] - mean_gw - xhat * mean_gw_xhat);
  }
  return m;
}

// dw[c] += g xhat and db[c] += g over all rows, for the columns [from, to).
MLXOCR_KERNEL void weight_grad_columns(const float* x, const float* g, const RowMoments* moments,
                                       std::int64_t rows, std::int64_t n, std::int64_t from,
                                       std::int64_t to, float* dw, float* db) {
  for (std::int64_t c = from; c < to; ++c)
    dw[c] = db[c] = 0.0f;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    const float* gr = g + r * n;
    const RowMoments m = moments[r];
    std::int64_t c = from;
    for (; c + kLanes <= to; c += kLanes) {
      const f8 gv = vmath::load(gr + c);
      vmath::store(dw + c, vmath::load(dw + c) + gv * ((vmath::load(xr + c) - m.mean) * m.rstd));
      vmath::store(db + c, vmath::load(db + c) + gv);
    }
    for (; c < to; ++c) {
      dw[c] += gr[c] * ((xr[c] - m.mean) * m.rstd);
      db[c] += gr[c];
    }
  }
}

std::vector<mx::array> layer_norm_grad_cpu(const mx::array& x, const mx::array& weight,
                                           const mx::array& g, float eps);

class LayerNormCpu : public kernel::KernelPrimitive {
 public:
  LayerNormCpu(mx::Stream stream, float eps) : KernelPrimitive(stream), eps_(eps) {}
  const char* name() const override { return "MlxocrLayerNorm"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return eps_ == static_cast<const LayerNormCpu&>(other).eps_;
  }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    kernel::allocate_like(inputs[0], out);
    const std::int64_t n = out.shape(-1);
    kernel::dispatch(
        stream(), inputs, out, [eps = eps_, n](std::vector<mx::array>& in, mx::array& y) {
          const float* x = in[0].data<float>();
          const float* w = in[1].data<float>();
          const float* b = in[2].data<float>();
          float* dst = y.data<float>();
          kernel::for_rows(static_cast<std::int64_t>(y.size()) / n, n,
                           [&](std::int64_t begin, std::int64_t end) {
                             for (std::int64_t r = begin; r < end; ++r)
                               kernel::layer_norm_row(x + r * n, w, b, dst + r * n, n, eps);
                           });
        });
  }

  // Gradients for the inputs MLX asks for (argnums: 0 x, 1 weight, 2 bias), in that order.
  std::vector<mx::array> vjp(const std::vector<mx::array>& primals,
                             const std::vector<mx::array>& cotangents,
                             const std::vector<int>& argnums,
                             const std::vector<mx::array>&) override {
    const std::vector<mx::array> all =
        layer_norm_grad_cpu(primals[0], primals[1], cotangents[0], eps_);
    std::vector<mx::array> wanted;
    for (int arg : argnums)
      wanted.push_back(all.at(arg));
    return wanted;
  }

 private:
  float eps_;
};

// Outputs dx, dweight, dbias from x, weight and the output's gradient.
class LayerNormGradCpu : public kernel::MultiKernelPrimitive {
 public:
  LayerNormGradCpu(mx::Stream stream, float eps) : MultiKernelPrimitive(stream), eps_(eps) {}
  const char* name() const override { return "MlxocrLayerNormGrad"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return eps_ == static_cast<const LayerNormGradCpu&>(other).eps_;
  }

  void eval_cpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) override {
    // No buffer donation: the weight's pass reads x and g again after dx is written.
    kernel::allocate_new(outputs);
    const std::int64_t n = inputs[1].size();
    kernel::dispatch_outputs(
        stream(), inputs, outputs,
        [eps = eps_, n](std::vector<mx::array>& in, std::vector<mx::array>& out) {
          const float* x = in[0].data<float>();
          const float* w = in[1].data<float>();
          const float* g = in[2].data<float>();
          float* dx = out[0].data<float>();
          const std::int64_t rows = static_cast<std::int64_t>(in[0].size()) / n;
          std::vector<RowMoments> moments(rows);
          kernel::for_rows(rows, 2 * n, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t r = begin; r < end; ++r)
              moments[r] = layer_norm_grad_row(x + r * n, w, g + r * n, dx + r * n, n, eps);
          });
          const std::int64_t blocks = (n + kLanes - 1) / kLanes;
          kernel::for_rows(blocks, 2 * kLanes * rows, [&](std::int64_t begin, std::int64_t end) {
            weight_grad_columns(x, g, moments.data(), rows, n, begin * kLanes,
                                std::min(end * kLanes, n), out[1].data<float>(),
                                out[2].data<float>());
          });
        });
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {inputs[0].shape(), inputs[1].shape(), inputs[1].shape()};
  }

 private:
  float eps_;
};

std::vector<mx::array> layer_norm_grad_cpu(const mx::array& x, const mx::array& weight,
                                           const mx::array& g, float eps) {
  return kernel::make_outputs(std::make_shared<LayerNormGradCpu>(kernel::cpu_stream(), eps),
                              {x, weight, g});
}

}  // namespace

mx::array layer_norm_cpu(const mx::array& x, const mx::array& weight, const mx::array& bias,
                         float eps) {
  const int n = x.ndim() > 0 ? x.shape(-1) : 0;
  if (n == 0 || weight.ndim() != 1 || weight.shape(0) != n || bias.ndim() != 1 ||
      bias.shape(0) != n)
    throw UsageError("layer_norm_cpu needs x [..., C] with weight and bias [C]");
  return kernel::make(std::make_shared<LayerNormCpu>(kernel::cpu_stream(), eps), {x, weight, bias});
}

}  // namespace mlxocr
