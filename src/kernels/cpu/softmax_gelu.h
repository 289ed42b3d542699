// The attention softmax and the exact GELU, forward and gradient (softmax_gelu.cpp): one
// vectorised, threaded pass where MLX's CPU backend runs exp and erf one lane at a time and
// builds GELU from five passes (enabled.h says more).
#pragma once

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// x * Phi(x), transformers' "gelu" (erf form); float32, CPU. Relative error ~1e-7.
mx::array gelu_erf_cpu(const mx::array& x);

// softmax(scale * scores) over the last axis; scores [..., L, S]. With `causal`, key j is hidden
// from query i when j > i + S - L (the last query sees every key: a block of L new tokens after
// S - L cached ones, as MLX's "causal" mask). Hidden keys get probability 0.
mx::array scaled_softmax_cpu(const mx::array& scores, float scale, bool causal);

}  // namespace mlxocr
