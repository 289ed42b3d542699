// Whole rows picked by an index, and the gradient that adds them back: the gathers of a packed
// teacher-forced pass (row_packing.h). MLX's take and its gradient (a scatter-add) go element by
// element through generic index arithmetic; here each row is one copy or one vector add.
#include "kernels/cpu/take_rows.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/cpu/primitive.h"

namespace mlxocr {

namespace {

using Index = std::shared_ptr<const std::vector<std::int32_t>>;

mx::array add_rows_cpu(const mx::array& x, const Index& index, int rows);

// Input x [N, w]; output [index.size(), w], row i = x[index[i]].
class TakeRows : public kernel::KernelPrimitive {
 public:
  TakeRows(mx::Stream stream, Index index) : KernelPrimitive(stream), index_(std::move(index)) {}
  const char* name() const override { return "MlxocrTakeRows"; }
  bool is_equivalent(const mx::Primitive&) const override { return false; }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    kernel::dispatch(
        stream(), inputs, out, [index = index_](std::vector<mx::array>& in, mx::array& y) {
          const std::int64_t width = in[0].shape(1);
          const float* x = in[0].data<float>();
          float* dst = y.data<float>();
          for (size_t i = 0; i < index->size(); ++i)
            std::memcpy(dst + i * width, x + (*index)[i] * width, sizeof(float) * width);
        });
  }

  std::vector<mx::array> vjp(const std::vector<mx::array>& primals,
                             const std::vector<mx::array>& cotangents, const std::vector<int>&,
                             const std::vector<mx::array>&) override {
    return {add_rows_cpu(cotangents[0], index_, primals[0].shape(0))};
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {{static_cast<int>(index_->size()), inputs[0].shape(1)}};
  }

 private:
  Index index_;
};

// Input g [index.size(), w]; output [rows, w], zero but for g's rows added at their index (the
// gradient of TakeRows; an index may repeat).
class AddRows : public kernel::KernelPrimitive {
 public:
  AddRows(mx::Stream stream, Index index, int rows)
      : KernelPrimitive(stream), index_(std::move(index)), rows_(rows) {}
  const char* name() const override { return "MlxocrAddRows"; }
  bool is_equivalent(const mx::Primitive&) const override { return false; }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    kernel::dispatch(stream(), inputs, out,
                     [index = index_](std::vector<mx::array>& in, mx::array& y) {
                       const std::int64_t width = in[0].shape(1);
                       const float* g = in[0].data<float>();
                       float* dst = y.data<float>();
                       std::memset(dst, 0, y.nbytes());
                       for (size_t i = 0; i < index->size(); ++i) {
                         float* row = dst + (*index)[i] * width;
                         const float* add = g + i * width;
                         for (std::int64_t c = 0; c < width; ++c)
                           row[c] += add[c];
                       }
                     });
  }

  std::vector<mx::array> vjp(const std::vector<mx::array>&,
                             const std::vector<mx::array>& cotangents, const std::vector<int>&,
                             const std::vector<mx::array>&) override {
    return {take_rows_cpu(cotangents[0], index_)};
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {{rows_, inputs[0].shape(1)}};
  }

 private:
  Index index_;
  int rows_;
};

mx::array add_rows_cpu(const mx::array& g, const Index& index, int rows) {
  return kernel::make(std::make_shared<AddRows>(kernel::cpu_stream(), index, rows), {g});
}

}  // namespace

mx::array take_rows_cpu(const mx::array& x,
                        std::shared_ptr<const std::vector<std::int32_t>> index) {
  if (x.ndim() != 2) throw UsageError("internal error: take_rows_cpu needs x [N, w]");
  for (std::int32_t i : *index) {
    if (i < 0 || i >= x.shape(0))
      throw UsageError("internal error: take_rows_cpu: row " + std::to_string(i) + " of " +
                       std::to_string(x.shape(0)));
  }
  return kernel::make(std::make_shared<TakeRows>(kernel::cpu_stream(), std::move(index)), {x});
}

}  // namespace mlxocr
