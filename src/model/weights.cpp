#include "model/weights.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <mlx/device.h>
#include <mlx/ops.h>

#include "io/array_bytes.h"
#include "kernels/cpu/primitive.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {
std::string list(const std::vector<std::string>& items, size_t max_items = 12) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < max_items; ++i)
    out += (i ? "; " : "") + items[i];
  if (items.size() > max_items)
    out += "; ... and " + std::to_string(items.size() - max_items) + " more";
  return out;
}

// Tensors joined along their first axis (q/k/v of a Hugging Face checkpoint into the fused
// projection our kernels read). Loaded tensors on the CPU are copied into one new
// huge-page-advised array by the kernels' threads: trocr-base joins 311 MB this way, which
// mx::concatenate copies on one thread into memory faulted in 4 KB pages (~140-210 ms, most of
// the model's load once the checkpoint is mapped instead of read). Anything else (a dtype cast
// still pending, a GPU) goes through mx::concatenate.
mx::array join_rows(const std::vector<mx::array>& parts) {
  const mx::array& first = parts.front();
  bool direct = mx::default_device() == mx::Device::cpu;
  std::vector<std::int64_t> shape(first.shape().begin(), first.shape().end());
  shape[0] = 0;
  for (const mx::array& part : parts) {
    direct = direct && part.is_available() && part.flags().row_contiguous &&
             part.dtype() == first.dtype() && part.ndim() == first.ndim() &&
             std::equal(part.shape().begin() + 1, part.shape().end(), first.shape().begin() + 1);
    shape[0] += part.shape(0);
  }
  if (!direct) return mx::concatenate(parts, 0);

  mx::array out = allocate_array(shape, first.dtype());
  std::vector<std::size_t> starts{0};  // where each part begins in the output, in bytes
  for (const mx::array& part : parts)
    starts.push_back(starts.back() + part.nbytes());
  constexpr std::int64_t kPiece = std::int64_t{1} << 20;  // bytes per unit of work
  const auto total = static_cast<std::int64_t>(starts.back());
  auto* destination = out.data<std::uint8_t>();
  kernel::for_rows((total + kPiece - 1) / kPiece, kPiece / 4, [&](std::int64_t b, std::int64_t e) {
    const auto from = static_cast<std::size_t>(b * kPiece);
    const auto to = static_cast<std::size_t>(std::min(e * kPiece, total));
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::size_t lo = std::max(from, starts[i]), hi = std::min(to, starts[i + 1]);
      if (lo < hi)
        std::memcpy(destination + lo, parts[i].data<std::uint8_t>() + (lo - starts[i]), hi - lo);
    }
  });
  return out;
}
}  // namespace

WeightBinder::WeightBinder(TensorMap tensors, std::string source, mx::Dtype dtype,
                           std::optional<ConvertedFormat> converted)
    : tensors_(std::move(tensors)),
      source_(std::move(source)),
      dtype_(dtype),
      converted_(std::move(converted)) {}

std::optional<mx::array> WeightBinder::take_optional(const std::string& name,
                                                     const mx::Shape& shape) {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    warnings_.push_back("tensor '" + name + "' is missing (unused by mlxocr)");
    return std::nullopt;
  }
  return take(name, shape);
}

mx::array WeightBinder::take(const std::string& name, const mx::Shape& shape) {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    missing_.push_back(name + " " + shape_string(shape));
    return mx::zeros(shape, dtype_);
  }
  mx::array value = it->second;
  tensors_.erase(it);
  if (value.shape() != shape) {
    misshaped_.push_back(name + " is " + shape_string(value.shape()) + ", expected " +
                         shape_string(shape));
    return mx::zeros(shape, dtype_);
  }
  if (!mx::issubdtype(value.dtype(), mx::floating)) {
    misshaped_.push_back(name + " has an integer dtype, expected floating point");
    return mx::zeros(shape, dtype_);
  }
  return value.dtype() == dtype_ ? value : mx::astype(value, dtype_);
}

mx::array WeightBinder::take_packed(const std::string& name, const mx::Shape& shape) {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    missing_.push_back(name + " " + shape_string(shape) + " uint32");
    return mx::zeros(shape, mx::uint32);
  }
  mx::array value = it->second;
  tensors_.erase(it);
  if (value.shape() != shape || value.dtype() != mx::uint32) {
    misshaped_.push_back(name + " is " + shape_string(value.shape()) +
                         (value.dtype() == mx::uint32 ? "" : " and not uint32") + ", expected " +
                         shape_string(shape) + " uint32 (quantized weights)");
    return mx::zeros(shape, mx::uint32);
  }
  return value;
}

void WeightBinder::discard(const std::string& name) {
  tensors_.erase(name);
}

Linear WeightBinder::linear(const std::string& prefix, int in_features, int out_features,
                            bool bias) {
  Linear layer;
  const auto& quantization = converted_ ? converted_->quantization : std::nullopt;
  if (quantization && has(prefix + ".scales")) {
    const int bits = quantization->bits, group_size = quantization->group_size;
    if (in_features % group_size != 0) {
      misshaped_.push_back(prefix + " is quantized, but its input width " +
                           std::to_string(in_features) + " is not a multiple of group_size " +
                           std::to_string(group_size));
      layer.weight = mx::zeros({out_features, in_features}, dtype_);
    } else {
      QuantizedMatrix q;
      q.bits = bits;
      q.group_size = group_size;
      q.packed = take_packed(prefix + ".weight", {out_features, in_features * bits / 32});
      q.scales = take(prefix + ".scales", {out_features, in_features / group_size});
      q.biases = take(prefix + ".biases", {out_features, in_features / group_size});
      layer.quantized = q;
    }
  } else {
    layer.weight = take(prefix + ".weight", {out_features, in_features});
  }
  if (bias) layer.bias = take(prefix + ".bias", {out_features});
  return layer;
}

Linear WeightBinder::fused_linear(const std::string& fused, const std::vector<std::string>& parts,
                                  int in_features, int out_each, bool bias) {
  const int outputs = out_each * static_cast<int>(parts.size());
  if (converted_) return linear(fused, in_features, outputs, bias);
  std::vector<mx::array> weights, biases;
  for (const std::string& part : parts) {
    Linear layer = linear(part, in_features, out_each, bias);
    weights.push_back(layer.weight);
    if (layer.bias) biases.push_back(*layer.bias);
  }
  Linear layer;
  layer.weight = join_rows(weights);
  if (bias) layer.bias = join_rows(biases);
  return layer;
}

LayerNorm WeightBinder::layer_norm(const std::string& prefix, int width, double eps) {
  LayerNorm norm;
  norm.weight = take(prefix + ".weight", {width});
  norm.bias = take(prefix + ".bias", {width});
  norm.eps = static_cast<float>(eps);
  return norm;
}

std::vector<std::string> WeightBinder::finish() {
  if (!missing_.empty() || !misshaped_.empty()) {
    std::string message = source_ + ": checkpoint does not fit config.json:";
    if (!missing_.empty()) {
      message +=
          " " + std::to_string(missing_.size()) + " missing tensor(s): " + list(missing_) + ".";
    }
    if (!misshaped_.empty()) {
      message += " " + std::to_string(misshaped_.size()) +
                 " mis-shaped tensor(s): " + list(misshaped_) + ".";
    }
    throw CheckpointError(message);
  }
  std::vector<std::string> warnings = warnings_;
  for (const auto& [name, value] : tensors_) {
    warnings.push_back("unexpected tensor '" + name + "' " + shape_string(value.shape()) +
                       " ignored");
  }
  tensors_.clear();
  return warnings;
}

}  // namespace mlxocr
