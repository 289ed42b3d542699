// log(sum(exp(x))) over the last axis as a CPU kernel (logsumexp.cpp): the vocabulary's
// normaliser of a decoding step's log-probabilities and of the training loss.
#pragma once

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// log(sum(exp(x))) over the last axis, kept as an axis of 1 (mx::logsumexp(x, -1, true));
// float32, CPU.
mx::array logsumexp_cpu(const mx::array& x);

}  // namespace mlxocr
