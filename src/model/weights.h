// Takes tensors out of a checkpoint by Hugging Face name, checking each one's shape, and reports
// every missing, mis-shaped and unexpected tensor by name in one go.
#pragma once

#include <mlx/dtype.h>
#include <optional>
#include <string>
#include <vector>

#include "io/tensor_map.h"
#include "model/config.h"
#include "model/layers.h"

namespace mlxocr {

class WeightBinder {
 public:
  // `source` names the checkpoint in messages; tensors are cast to `dtype` as they are taken.
  // `converted` is set for the weights of a folder `mlxocr convert` wrote (fused layers, maybe
  // quantized ones), absent for a Hugging Face checkpoint.
  WeightBinder(TensorMap tensors, std::string source, mx::Dtype dtype,
               std::optional<ConvertedFormat> converted = std::nullopt);

  // The tensor `name` with exactly `shape`; a problem is recorded (not thrown) so that finish()
  // can list all of them. Returns zeros of the expected shape when the tensor is unusable.
  mx::array take(const std::string& name, const mx::Shape& shape);
  // Like take(), but a missing tensor is only noted as a warning (transformers initialises it at
  // random and warns too), e.g. the pooler some checkpoints lack, which mlxocr never uses.
  std::optional<mx::array> take_optional(const std::string& name, const mx::Shape& shape);
  // Drops a tensor that is known to be redundant (an output projection tied to the embeddings).
  void discard(const std::string& name);

  // `prefix`.weight [out, in] (+ `prefix`.bias); in a quantized converted folder the weight may
  // be MLX's triplet instead: `prefix`.weight (packed uint32), .scales and .biases.
  Linear linear(const std::string& prefix, int in_features, int out_features, bool bias);
  // Projections of one input fused along their outputs into one Linear (one matmul instead of
  // several), e.g. q/k/v. A converted folder stores the fused layer as `fused`; a Hugging Face
  // checkpoint stores the `parts`, each [out_each, in], which are concatenated here.
  Linear fused_linear(const std::string& fused, const std::vector<std::string>& parts,
                      int in_features, int out_each, bool bias);
  LayerNorm layer_norm(const std::string& prefix, int width, double eps);

  bool has(const std::string& name) const { return tensors_.count(name) > 0; }
  bool converted() const { return converted_.has_value(); }

  // Throws CheckpointError listing every missing and mis-shaped tensor; otherwise returns
  // warnings (unexpected tensors, optional ones missing) for the caller to show.
  std::vector<std::string> finish();

 private:
  // A quantized weight's packed codes: uint32 of exactly `shape`.
  mx::array take_packed(const std::string& name, const mx::Shape& shape);

  TensorMap tensors_;
  std::string source_;
  mx::Dtype dtype_;
  std::optional<ConvertedFormat> converted_;
  std::vector<std::string> missing_, misshaped_, warnings_;
};

}  // namespace mlxocr
