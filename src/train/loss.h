// torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=eps) on teacher-forced logits.
#pragma once

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// The loss summed over the labels that are not -100 (divide by their count for torch's mean):
// per token (1 - eps) * -log p(label) + eps / V * sum_v -log p(v), as torch defines label
// smoothing. logits [B, T, V] (any float dtype, computed in float32), labels [B, T] int.
// Summing rather than averaging lets gradient accumulation and data parallelism divide by the
// token count of the whole global batch, so that they equal one big batch exactly.
mx::array cross_entropy_sum(const mx::array& logits, const mx::array& labels,
                            float label_smoothing);

// Labels that count: those that are not -100.
mx::array count_label_tokens(const mx::array& labels);

}  // namespace mlxocr
