// Attention of one new token per sequence (a decoding step), fused: scores, softmax and the
// weighted sum of the values in one pass per head. See enabled.h for why.
#include "kernels/cpu/decode_attention.h"

#include <mlx/transforms.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "kernels/cpu/enabled.h"
#include "kernels/cpu/primitive.h"
#include "kernels/cpu/row_kernels.h"
#include "kernels/cpu/vector_math.h"

namespace mlxocr {

namespace kernel {

using vmath::f8;
using vmath::kLanes;

// out = softmax(scale * K q) V for one head: q [dim], K and V [keys, dim], dim % 8 == 0.
MLXOCR_KERNEL void attend_one_query(const float* q, const float* k, const float* v, float* out,
                                    std::int64_t keys, std::int64_t dim, float scale,
                                    float* scores) {
  const std::int64_t pieces = dim / kLanes;
  f8 query[kMaxHeadDim / kLanes];
  for (std::int64_t p = 0; p < pieces; ++p)
    query[p] = vmath::load(q + p * kLanes) * scale;
  float top = -std::numeric_limits<float>::infinity();
  for (std::int64_t j = 0; j < keys; ++j) {
    f8 acc = vmath::splat(0.0f);
    for (std::int64_t p = 0; p < pieces; ++p)
      acc += query[p] * vmath::load(k + j * dim + p * kLanes);
    const float s = vmath::sum(acc);
    scores[j] = s;
    top = std::max(top, s);
  }
  f8 sum[kMaxHeadDim / kLanes];
  for (std::int64_t p = 0; p < pieces; ++p)
    sum[p] = vmath::splat(0.0f);
  float total = 0.0f;
  for (std::int64_t j = 0; j < keys; ++j) {
    const float weight = std::exp(scores[j] - top);
    total += weight;
    for (std::int64_t p = 0; p < pieces; ++p)
      sum[p] += weight * vmath::load(v + j * dim + p * kLanes);
  }
  const float inverse = 1.0f / total;
  for (std::int64_t p = 0; p < pieces; ++p)
    vmath::store(out + p * kLanes, sum[p] * inverse);
}

}  // namespace kernel

namespace {

using kernel::kMaxHeadDim;
using vmath::kLanes;

// The same with MLX's ops, for the gradient.
mx::array attention_reference(const mx::array& q, const mx::array& k, const mx::array& v,
                              float scale) {
  return mx::matmul(mx::softmax(mx::matmul(q, mx::swapaxes(k, -1, -2)) * scale, -1, true), v);
}

class AttendOneQuery : public kernel::KernelPrimitive {
 public:
  AttendOneQuery(mx::Stream stream, float scale) : KernelPrimitive(stream), scale_(scale) {}
  const char* name() const override { return "MlxocrAttendOneQuery"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return scale_ == static_cast<const AttendOneQuery&>(other).scale_;
  }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& result) override {
    result.set_data(mx::allocator::malloc(result.nbytes()));
    kernel::dispatch(
        stream(), inputs, result, [scale = scale_](std::vector<mx::array>& in, mx::array& y) {
          const std::int64_t dim = in[0].shape(-1), keys = in[1].shape(-2);
          const std::int64_t heads = static_cast<std::int64_t>(in[0].size()) / dim;
          const float* q = in[0].data<float>();
          const float* k = in[1].data<float>();
          const float* v = in[2].data<float>();
          float* out = y.data<float>();
          kernel::for_rows(heads, 2 * keys * dim, [&](std::int64_t begin, std::int64_t end) {
            std::vector<float> scores(keys);
            for (std::int64_t h = begin; h < end; ++h)
              kernel::attend_one_query(q + h * dim, k + h * keys * dim, v + h * keys * dim,
                                       out + h * dim, keys, dim, scale, scores.data());
          });
        });
  }

  std::vector<mx::array> vjp(const std::vector<mx::array>& primals,
                             const std::vector<mx::array>& cotangents,
                             const std::vector<int>& argnums,
                             const std::vector<mx::array>&) override {
    auto reference = [scale = scale_](const std::vector<mx::array>& in) {
      return std::vector<mx::array>{attention_reference(in[0], in[1], in[2], scale)};
    };
    const std::vector<mx::array> all = mx::vjp(reference, primals, cotangents).second;
    std::vector<mx::array> grads;
    for (int arg : argnums)
      grads.push_back(all[arg]);
    return grads;
  }

 private:
  float scale_;
};

}  // namespace

bool attend_one_query_supports(const mx::array& q, const mx::array& k) {
  const int dim = q.ndim() == 4 ? q.shape(3) : 0;
  return cpu_kernels_apply(q) && q.ndim() == 4 && q.shape(2) == 1 && dim > 0 && dim % kLanes == 0 &&
         dim <= kMaxHeadDim && k.ndim() == 4 && k.shape(2) > 0 && k.dtype() == mx::float32;
}

mx::array attend_one_query_cpu(const mx::array& q, const mx::array& k, const mx::array& v,
                               float scale) {
  if (!attend_one_query_supports(q, k) || k.shape() != v.shape() || k.shape(0) != q.shape(0) ||
      k.shape(1) != q.shape(1) || k.shape(3) != q.shape(3) || v.dtype() != mx::float32)
    throw UsageError("attend_one_query_cpu: q [B, heads, 1, dim] and k, v [B, heads, S, dim]");
  return kernel::make(std::make_shared<AttendOneQuery>(kernel::cpu_stream(), scale), {q, k, v});
}

}  // namespace mlxocr
