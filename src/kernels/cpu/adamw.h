// torch.optim.AdamW's update and the gradient norm's sums of squares as CPU kernels: one
// threaded pass per parameter, where MLX's ops make about fifteen single-threaded passes (a
// tenth of a training step of the default model on this CPU, bench/TRAINING.md). Used by
// src/train/optimizer.cpp when mlxocr's CPU kernels apply (cpu_kernels_apply, enabled.h).
#pragma once

#include <mlx/array.h>

#include <vector>

namespace mlxocr {

namespace mx = mlx::core;

// The step's scalars, computed by AdamW::step in double as torch does.
struct AdamWScalars {
  float decay;  // 1 - lr * weight_decay; 1 leaves the parameter as it is
  float one_minus_beta1, beta2, one_minus_beta2;
  float correction2_sqrt;  // sqrt(1 - beta2^t)
  float eps;
  float step_size;  // lr / (1 - beta1^t)
};

// With g = grad * grad_scale (a scalar array, the clipping factor):
// p' = p decay, m' = m + (1 - b1)(g - m), v' = b2 v + (1 - b2) g^2,
// p'' = p' - step_size m' / (sqrt(v') / correction2_sqrt + eps); returns {p'', m', v'}.
// All float32 of one shape (grad_scale: a scalar).
std::vector<mx::array> adamw_step_cpu(const mx::array& param, const mx::array& grad,
                                      const mx::array& grad_scale, const mx::array& exp_avg,
                                      const mx::array& exp_avg_sq, const AdamWScalars& scalars);

// sum(x^2) over all elements, a scalar; float32. Summed in fixed blocks, so the result does not
// depend on the thread count.
mx::array sum_of_squares_cpu(const mx::array& x);

}  // namespace mlxocr
