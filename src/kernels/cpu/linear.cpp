// nn.Linear on many rows as one cblas_sgemm, with a gradient that keeps PyTorch's weight layout.
// Through MLX's ops (addmm of the transposed weight) the weight's gradient comes out as a
// transposed view, [in, out] read as [out, in], which the gradient norm and AdamW then each copied
// row-major again: two strided copies of every weight per training step, a tenth of the step.
// Here the gradient is g^T x, computed [out, in] as it is stored.
#include "kernels/cpu/linear.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "kernels/cpu/blas_threads.h"
#include "kernels/cpu/cblas.h"
#include "kernels/cpu/primitive.h"

namespace mlxocr {

namespace {

// product(begin, end) over [0, rows): one call that OpenBLAS threads itself, or, when the BLAS is
// single-threaded (blas_threads.h), ranges of rows shared out between our threads.
template <class Product>
void share_rows(std::int64_t rows, std::int64_t row_floats, Product product) {
  if (kernel::blas_single_threaded())
    kernel::for_rows(rows, row_floats, product);
  else
    product(0, rows);
}

// The gradient with respect to the input: g [N, out] times weight [out, in], [N, in].
class LinearInputGradCpu : public kernel::KernelPrimitive {
 public:
  using KernelPrimitive::KernelPrimitive;
  const char* name() const override { return "MlxocrLinearInputGrad"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    kernel::dispatch(stream(), inputs, out, [](std::vector<mx::array>& in, mx::array& dx) {
      const int rows = in[0].shape(0), features = in[0].shape(1), width = in[1].shape(1);
      auto product = [&](std::int64_t begin, std::int64_t end) {
        cblas::sgemm(cblas::kNoTrans, cblas::kNoTrans, end - begin, width, features, 1.0f,
                     in[0].data<float>() + begin * features, features, in[1].data<float>(), width,
                     0.0f, dx.data<float>() + begin * width, width);
      };
      share_rows(rows, std::int64_t{width} * features, product);
    });
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {{inputs[0].shape(0), inputs[1].shape(1)}};
  }
};

// The gradient with respect to the weight: g^T [out, N] times x [N, in], [out, in] as the weight
// is stored; shared out by rows of the result (the weight's outputs).
class LinearWeightGradCpu : public kernel::KernelPrimitive {
 public:
  using KernelPrimitive::KernelPrimitive;
  const char* name() const override { return "MlxocrLinearWeightGrad"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    kernel::dispatch(stream(), inputs, out, [](std::vector<mx::array>& in, mx::array& dw) {
      const int rows = in[0].shape(0), features = in[0].shape(1), width = in[1].shape(1);
      auto product = [&](std::int64_t begin, std::int64_t end) {
        cblas::sgemm(cblas::kTrans, cblas::kNoTrans, end - begin, width, rows, 1.0f,
                     in[0].data<float>() + begin, features, in[1].data<float>(), width, 0.0f,
                     dw.data<float>() + begin * width, width);
      };
      share_rows(features, std::int64_t{width} * rows, product);
    });
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {{inputs[0].shape(1), inputs[1].shape(1)}};
  }
};

// Inputs x [N, in], weight [out, in] and maybe bias [out]; output [N, out].
class LinearCpu : public kernel::KernelPrimitive {
 public:
  using KernelPrimitive::KernelPrimitive;
  const char* name() const override { return "MlxocrLinear"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    kernel::dispatch(stream(), inputs, out, [](std::vector<mx::array>& in, mx::array& y) {
      const int rows = in[0].shape(0), width = in[0].shape(1), features = in[1].shape(0);
      const float* bias = in.size() == 3 ? in[2].data<float>() : nullptr;
      auto product = [&](std::int64_t begin, std::int64_t end) {
        float* dst = y.data<float>() + begin * features;
        if (bias) {  // y = bias on every row, then y += x W^T
          for (std::int64_t r = begin; r < end; ++r)
            std::memcpy(dst + (r - begin) * features, bias, sizeof(float) * features);
        }
        cblas::sgemm(cblas::kNoTrans, cblas::kTrans, end - begin, features, width, 1.0f,
                     in[0].data<float>() + begin * width, width, in[1].data<float>(), width,
                     bias ? 1.0f : 0.0f, dst, features);
      };
      share_rows(rows, std::int64_t{width} * features, product);
    });
  }

  std::vector<mx::array> vjp(const std::vector<mx::array>& primals,
                             const std::vector<mx::array>& cotangents,
                             const std::vector<int>& argnums,
                             const std::vector<mx::array>&) override {
    const mx::array& g = cotangents[0];
    std::vector<mx::array> grads;
    for (int arg : argnums) {
      if (arg == 0) {
        grads.push_back(kernel::make(std::make_shared<LinearInputGradCpu>(stream()),
                                     {g, primals[1]}));  // [N, out] x [out, in]
      } else if (arg == 1) {
        grads.push_back(kernel::make(std::make_shared<LinearWeightGradCpu>(stream()),
                                     {g, primals[0]}));  // [out, N] x [N, in]
      } else {
        grads.push_back(mx::sum(g, 0));
      }
    }
    return grads;
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {{inputs[0].shape(0), inputs[1].shape(0)}};
  }
};

}  // namespace

mx::array linear_cpu(const mx::array& x, const mx::array& weight,
                     const std::optional<mx::array>& bias) {
  if (x.ndim() != 2 || weight.ndim() != 2 || x.shape(1) != weight.shape(1) ||
      (bias && (bias->ndim() != 1 || bias->shape(0) != weight.shape(0))))
    throw UsageError("internal error: linear_cpu needs x [N, in], weight [out, in], bias [out]");
  std::vector<mx::array> inputs = {x, weight};
  if (bias) inputs.push_back(*bias);
  return kernel::make(std::make_shared<LinearCpu>(kernel::cpu_stream()), std::move(inputs));
}

}  // namespace mlxocr
