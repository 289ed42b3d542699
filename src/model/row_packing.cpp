#include "model/row_packing.h"

#include <mlx/ops.h>

#include "kernels/cpu/enabled.h"
#include "kernels/cpu/take_rows.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

mx::array index_array(const std::vector<std::int32_t>& index) {
  return mx::array(index.data(), {static_cast<int>(index.size())}, mx::int32);
}

// Rows of x [N, w] picked by `index`: our kernel on the CPU, MLX's take elsewhere.
mx::array take(const mx::array& x, const std::shared_ptr<const std::vector<std::int32_t>>& index) {
  if (x.ndim() == 2 && x.dtype() == mx::float32 && cpu_kernels_apply(x))
    return take_rows_cpu(x, index);
  return mx::take(x, index_array(*index), 0);
}

}  // namespace

RowPacking::RowPacking(const std::vector<int>& needed, int length)
    : batch_(static_cast<int>(needed.size())), length_(length) {
  auto kept = std::make_shared<std::vector<std::int32_t>>();
  auto spread = std::make_shared<std::vector<std::int32_t>>();
  spread->reserve(static_cast<size_t>(batch_) * length_);
  for (int b = 0; b < batch_; ++b) {
    const int n = needed[b];
    if (n < 1 || n > length)
      throw UsageError("internal error: RowPacking: sequence " + std::to_string(b) + " needs " +
                       std::to_string(n) + " of " + std::to_string(length) + " positions");
    const auto first = static_cast<std::int32_t>(kept->size());
    for (int t = 0; t < length; ++t) {
      if (t < n) {
        spread->push_back(static_cast<std::int32_t>(kept->size()));
        kept->push_back(b * length + t);
      } else {
        spread->push_back(first);
      }
    }
  }
  kept_ = std::move(kept);
  spread_ = std::move(spread);
}

RowPacking RowPacking::from_labels(const mx::array& labels) {
  if (labels.ndim() != 2 || labels.dtype() != mx::int32)
    throw UsageError("internal error: RowPacking::from_labels needs [B, T] int32 labels");
  mx::array host = mx::contiguous(labels);
  host.eval();
  const int batch = labels.shape(0), length = labels.shape(1);
  const std::int32_t* data = host.data<std::int32_t>();
  std::vector<int> needed(batch, 1);
  for (int b = 0; b < batch; ++b) {
    for (int t = length - 1; t >= 0; --t) {
      if (data[b * length + t] != -100) {
        needed[b] = t + 1;
        break;
      }
    }
  }
  return RowPacking(needed, length);
}

mx::array RowPacking::gather(const mx::array& x) const {
  if (x.ndim() < 2 || x.shape(0) != batch_ || x.shape(1) != length_)
    throw UsageError("internal error: RowPacking::gather of a block that is not [B, T, ...]");
  mx::Shape flat = {batch_ * length_};
  flat.insert(flat.end(), x.shape().begin() + 2, x.shape().end());
  return take(mx::reshape(x, std::move(flat)), kept_);
}

mx::array RowPacking::spread(const mx::array& x) const {
  if (x.ndim() != 2 || x.shape(0) != rows())
    throw UsageError("internal error: RowPacking::spread needs [R, w] rows");
  return mx::reshape(take(x, spread_), {batch_, length_, x.shape(1)});
}

}  // namespace mlxocr
