// log(sum(exp(x))) over the last axis, one vectorised pass per row (the largest entry factored
// out), rows shared out between threads. See enabled.h for why.
#include "kernels/cpu/logsumexp.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "kernels/cpu/primitive.h"
#include "kernels/cpu/vector_math.h"

namespace mlxocr {

namespace kernel {

using vmath::f8;
using vmath::kLanes;

// log(sum(exp(x))) of one row, with the largest entry factored out. A row whose largest entry
// is +-inf or NaN gives that entry (log of a sum with an infinite or undefined term).
MLXOCR_KERNEL float logsumexp_row(const float* x, std::int64_t n) {
  const float lowest = -std::numeric_limits<float>::infinity();
  f8 top = vmath::splat(lowest);
  vmath::i8 nan_lanes = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const f8 v = vmath::load(x + i);
    top = vmath::select(v > top, v, top);
    nan_lanes |= v != v;  // a NaN never wins a comparison: look for one explicitly
  }
  float m = lowest;
  bool nan = false;
  for (int lane = 0; lane < kLanes; ++lane) {
    m = std::max(m, top[lane]);
    nan = nan || nan_lanes[lane] != 0;
  }
  for (; i < n; ++i) {
    m = std::max(m, x[i]);
    nan = nan || std::isnan(x[i]);
  }
  if (nan) return std::numeric_limits<float>::quiet_NaN();
  if (std::isinf(m)) return m;
  f8 total = vmath::splat(0.0f);
  for (i = 0; i + kLanes <= n; i += kLanes)
    total += vmath::exp(vmath::load(x + i) - m);
  if (i < n) total += vmath::exp(vmath::load_partial(x + i, static_cast<int>(n - i), lowest) - m);
  return m + std::log(vmath::sum(total));
}

}  // namespace kernel

namespace {

using kernel::dispatch;
using kernel::for_rows;
using kernel::KernelPrimitive;

class LogSumExp : public KernelPrimitive {
 public:
  using KernelPrimitive::KernelPrimitive;
  const char* name() const override { return "MlxocrLogSumExp"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {kernel::with_last_axis(inputs[0], 1)};
  }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& result) override {
    result.set_data(mx::allocator::malloc(result.nbytes()));
    dispatch(stream(), inputs, result, [](std::vector<mx::array>& in, mx::array& y) {
      const std::int64_t length = in[0].shape(-1);
      const float* x = in[0].data<float>();
      float* dst = y.data<float>();
      for_rows(static_cast<std::int64_t>(y.size()), length,
               [&](std::int64_t begin, std::int64_t end) {
                 for (std::int64_t r = begin; r < end; ++r)
                   dst[r] = kernel::logsumexp_row(x + r * length, length);
               });
    });
  }

  // d lse / dx = softmax(x) = exp(x - lse).
  std::vector<mx::array> vjp(const std::vector<mx::array>& primals,
                             const std::vector<mx::array>& cotangents, const std::vector<int>&,
                             const std::vector<mx::array>& outputs) override {
    return {cotangents[0] * mx::exp(primals[0] - outputs[0])};
  }
};

}  // namespace

mx::array logsumexp_cpu(const mx::array& x) {
  if (x.ndim() < 1 || x.shape(-1) < 1)
    throw UsageError("logsumexp_cpu needs an array with a non-empty last axis");
  return kernel::make(std::make_shared<LogSumExp>(kernel::cpu_stream()), {x});
}

}  // namespace mlxocr
