// Connectionist temporal classification (Graves et al., 2006) over the encoder's patch columns:
// an auxiliary loss for training a model from scratch (mlxocr train --ctc-weight). It rewards
// encoder features that name the character under each column, a direct, local signal the
// encoder gets long before the attention decoder has learnt where to look; the head it needs
// is used only in training and is not part of the saved model.
#pragma once

#include <mlx/array.h>

#include <vector>

namespace mlxocr {

namespace mx = mlx::core;

// A batch's targets in the layout of the forward recursion.
struct CtcTargets {
  mx::array extended = mx::array(0);   // [B, S] int32: blank y1 blank y2 ... yU blank, blank-padded
  mx::array skip = mx::array(false);   // [B, S] bool: s-2 -> s allowed (y_s not blank, not y_{s-2})
  mx::array last = mx::array(0);       // [B] int32: 2U, the index of the final blank
  mx::array weight = mx::array(0.0f);  // [B] float32: 1, or 0 where U + repeats exceed the frames
};

// `targets`: each row's label ids without special tokens; `blank` the id used as CTC's blank
// (the pad token: it never occurs inside a text); `frames` the number of encoder columns.
CtcTargets make_ctc_targets(const std::vector<std::vector<int>>& targets, int blank, int frames);

// Sum over the batch of weight_b * -log p(target_b | frames_b), as torch.nn.functional.ctc_loss
// with reduction="sum" (and zero_infinity for the rows given weight 0). log_probs [B, T, V]
// float32, log-softmax over V.
mx::array ctc_loss_sum(const mx::array& log_probs, const CtcTargets& targets);

}  // namespace mlxocr
