#include "train/ctc.h"

#include <mlx/ops.h>

#include <algorithm>

#include "mlxocr/error.h"

namespace mlxocr {

namespace {

// log(0) stand-in: finite, so that logaddexp of two "impossible" paths and its gradient stay
// finite (with -inf both become NaN).
constexpr float kImpossible = -1e30f;

// x shifted right by `by` along the last axis, `kImpossible` coming in.
mx::array shift_right(const mx::array& x, int by) {
  const int batch = x.shape(0), states = x.shape(1);
  if (by >= states) return mx::full({batch, states}, kImpossible, mx::float32);
  const mx::array fill = mx::full({batch, by}, kImpossible, mx::float32);
  return mx::concatenate({fill, mx::slice(x, {0, 0}, {batch, states - by})}, 1);
}

}  // namespace

CtcTargets make_ctc_targets(const std::vector<std::vector<int>>& targets, int blank, int frames) {
  if (targets.empty()) throw UsageError("make_ctc_targets: an empty batch");
  size_t longest = 0;
  for (const auto& row : targets)
    longest = std::max(longest, row.size());
  const int states = static_cast<int>(2 * longest + 1);
  const int batch = static_cast<int>(targets.size());
  std::vector<int> extended(static_cast<size_t>(batch) * states, blank), last(batch);
  std::vector<char> skip(static_cast<size_t>(batch) * states, 0);
  std::vector<float> weight(batch, 1.0f);
  for (int b = 0; b < batch; ++b) {
    const std::vector<int>& y = targets[b];
    int repeats = 0;
    for (size_t u = 0; u < y.size(); ++u) {
      const size_t s = 2 * u + 1;
      extended[b * states + s] = y[u];
      if (u > 0 && y[u] == y[u - 1]) ++repeats;
      skip[b * states + s] = u > 0 && y[u] != y[u - 1];
    }
    last[b] = static_cast<int>(2 * y.size());
    // A path needs a frame per label and a blank between repeated labels.
    if (static_cast<int>(y.size()) + repeats > frames) weight[b] = 0.0f;
  }
  CtcTargets out;
  out.extended = mx::array(extended.data(), {batch, states}, mx::int32);
  out.skip = mx::astype(
      mx::array(reinterpret_cast<const std::int8_t*>(skip.data()), {batch, states}, mx::int8),
      mx::bool_);
  out.last = mx::array(last.data(), {batch}, mx::int32);
  out.weight = mx::array(weight.data(), {batch}, mx::float32);
  return out;
}

mx::array ctc_loss_sum(const mx::array& log_probs, const CtcTargets& targets) {
  const int batch = log_probs.shape(0), frames = log_probs.shape(1);
  const int states = targets.extended.shape(1);
  // Emission log-probabilities of each extended state at each frame: [B, T, S].
  const mx::array index =
      mx::broadcast_to(mx::expand_dims(targets.extended, 1), {batch, frames, states});
  const mx::array emit = mx::take_along_axis(log_probs, index, 2);
  // Frame 0: a path starts in the first blank or on the first label.
  const mx::array state = mx::expand_dims(mx::arange(states), 0);
  mx::array alpha =
      mx::where(mx::less(state, mx::array(2)),
                mx::reshape(mx::slice(emit, {0, 0, 0}, {batch, 1, states}), {batch, states}),
                mx::array(kImpossible));
  const mx::array impossible = mx::full({batch, states}, kImpossible, mx::float32);
  for (int t = 1; t < frames; ++t) {
    const mx::array stay_or_step = mx::logaddexp(alpha, shift_right(alpha, 1));
    const mx::array skip = mx::where(targets.skip, shift_right(alpha, 2), impossible);
    alpha = mx::logaddexp(stay_or_step, skip) +
            mx::reshape(mx::slice(emit, {0, t, 0}, {batch, t + 1, states}), {batch, states});
  }
  // A path ends in the final blank or on the last label (absent for an empty target).
  const mx::array end_blank =
      mx::squeeze(mx::take_along_axis(alpha, mx::expand_dims(targets.last, 1), 1), 1);
  const mx::array last_label_index = mx::maximum(targets.last - 1, mx::array(0));
  const mx::array end_label =
      mx::where(mx::greater(targets.last, mx::array(0)),
                mx::squeeze(mx::take_along_axis(alpha, mx::expand_dims(last_label_index, 1), 1), 1),
                mx::array(kImpossible));
  const mx::array nll = -mx::logaddexp(end_blank, end_label);
  return mx::sum(targets.weight * nll);
}

}  // namespace mlxocr
