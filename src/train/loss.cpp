#include "train/loss.h"

#include <mlx/ops.h>

#include "model/layers.h"
#include "train/batch.h"

namespace mlxocr {

mx::array count_label_tokens(const mx::array& labels) {
  return mx::sum(mx::astype(mx::not_equal(labels, mx::array(kIgnoreIndex)), mx::float32));
}

mx::array cross_entropy_sum(const mx::array& logits, const mx::array& labels,
                            float label_smoothing) {
  const mx::array x = mx::astype(logits, mx::float32);
  const int vocab = x.shape(-1);
  const mx::array lse = logsumexp_last_axis(x);
  const mx::array log_probs = x - lse;
  const mx::array counted = mx::not_equal(labels, mx::array(kIgnoreIndex));
  const mx::array targets = mx::where(counted, mx::astype(labels, mx::int32), mx::array(0));
  const mx::array nll =
      -mx::squeeze(mx::take_along_axis(log_probs, mx::expand_dims(targets, -1), -1), -1);
  mx::array per_token = nll;
  if (label_smoothing > 0.0f) {
    // -sum(log_probs) written as vocab * lse - sum(x), the same value: the gradient of
    // -sum(x - lse) reaches lse through a float32 sum of `vocab` cotangents of eps / vocab next to
    // the label's (1 - eps), each rounded at the larger one's size, an error growing with vocab
    // that scaled whole softmax rows by ~2e-5 (every gradient ~10x torch's rounding).
    const mx::array smooth = static_cast<float>(vocab) * mx::squeeze(lse, -1) - mx::sum(x, -1);
    per_token = (1.0f - label_smoothing) * nll + (label_smoothing / vocab) * smooth;
  }
  return mx::sum(mx::where(counted, per_token, mx::array(0.0f)));
}

}  // namespace mlxocr
