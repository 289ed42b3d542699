// Teacher forcing on the positions that count only. A training batch pads its label sequences to
// the longest one, and the decoder's layers then compute every padded position too: on the
// bundled model's data (lines of 1-48 characters, batches of 16) more than half of them. Those
// positions change nothing: their labels are -100, and under the causal mask no earlier position
// attends to them. A RowPacking names the positions a pass needs, and the decoder runs its
// row-wise layers (projections, layer norms, feed-forward, output projection and loss) on those
// rows only, spreading them back to the [B, T] block for the attention products alone. Same
// loss and gradients as the padded pass, up to float rounding (the parity tests against
// transformers run through it). Internal to src/model and src/train.
#pragma once

#include <mlx/array.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace mlxocr {

namespace mx = mlx::core;

class RowPacking {
 public:
  // Sequence b of a [B, T] block needs its first needed[b] positions (1 <= needed[b] <= T).
  RowPacking(const std::vector<int>& needed, int length);

  // The positions up to each row's last label that is not -100 (`labels` [B, T] int32; a row
  // without any keeps its first position).
  static RowPacking from_labels(const mx::array& labels);

  int batch() const { return batch_; }
  int length() const { return length_; }
  int rows() const { return static_cast<int>(kept_->size()); }  // R, the positions kept
  bool packs() const { return rows() < batch_ * length_; }      // false: nothing to leave out

  // [B, T, ...] -> [R, ...]: the kept positions, sequence by sequence.
  mx::array gather(const mx::array& x) const;
  // [R, w] -> [B, T, w]: each kept row at its position; a position left out gets a copy of its
  // sequence's first row (any finite values would do: nothing kept reads them).
  mx::array spread(const mx::array& x) const;

 private:
  int batch_, length_;
  std::shared_ptr<const std::vector<std::int32_t>> kept_;    // [R]: b * T + t
  std::shared_ptr<const std::vector<std::int32_t>> spread_;  // [B * T]: the row standing in
};

}  // namespace mlxocr
