#include "train/optimizer.h"

#include "kernels/cpu/adamw.h"
#include "kernels/cpu/enabled.h"

#include <mlx/ops.h>
#include <algorithm>
#include <cmath>

namespace mlxocr {

std::vector<mx::array> AdamW::step(const std::vector<mx::array>& params,
                                   const std::vector<mx::array>& grads, double lr,
                                   const mx::array& grad_scale) {
  if (exp_avg_.empty()) {
    for (const mx::array& p : params) {
      exp_avg_.push_back(mx::zeros_like(p));
      exp_avg_sq_.push_back(mx::zeros_like(p));
    }
  }
  ++step_;
  const AdamWSettings& s = settings_;
  // Scalars in double, as torch computes them in Python before they touch the tensors.
  const double bias_correction1 = 1.0 - std::pow(s.beta1, static_cast<double>(step_));
  const double bias_correction2 = 1.0 - std::pow(s.beta2, static_cast<double>(step_));
  const AdamWScalars k{static_cast<float>(1.0 - lr * s.weight_decay),
                       static_cast<float>(1.0 - s.beta1),
                       static_cast<float>(s.beta2),
                       static_cast<float>(1.0 - s.beta2),
                       static_cast<float>(std::sqrt(bias_correction2)),
                       static_cast<float>(s.eps),
                       static_cast<float>(lr / bias_correction1)};

  std::vector<mx::array> updated;
  updated.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    if (cpu_kernels_apply(params[i]) && grads[i].dtype() == mx::float32 &&
        exp_avg_[i].dtype() == mx::float32) {
      std::vector<mx::array> out =
          adamw_step_cpu(params[i], grads[i], grad_scale, exp_avg_[i], exp_avg_sq_[i], k);
      updated.push_back(out[0]);
      exp_avg_[i] = out[1];
      exp_avg_sq_[i] = out[2];
      continue;
    }
    const mx::array g = grads[i] * grad_scale;
    const mx::array p = s.weight_decay != 0.0 ? params[i] * k.decay : params[i];
    // lerp(m, g, w) = m + w * (g - m)
    exp_avg_[i] = exp_avg_[i] + k.one_minus_beta1 * (g - exp_avg_[i]);
    exp_avg_sq_[i] = exp_avg_sq_[i] * k.beta2 + k.one_minus_beta2 * (g * g);
    const mx::array denom = mx::sqrt(exp_avg_sq_[i]) / k.correction2_sqrt + k.eps;
    updated.push_back(p - k.step_size * (exp_avg_[i] / denom));
  }
  return updated;
}

void AdamW::restore(long long steps, std::vector<mx::array> exp_avg,
                    std::vector<mx::array> exp_avg_sq) {
  step_ = steps;
  exp_avg_ = std::move(exp_avg);
  exp_avg_sq_ = std::move(exp_avg_sq);
}

double linear_schedule_factor(long long step, long long warmup_steps, long long total_steps) {
  if (step < warmup_steps)
    return static_cast<double>(step) / static_cast<double>(std::max(1LL, warmup_steps));
  return std::max(0.0, static_cast<double>(total_steps - step) /
                           static_cast<double>(std::max(1LL, total_steps - warmup_steps)));
}

GradientClip clip_grad_norm(const std::vector<mx::array>& grads, double max_norm) {
  std::vector<mx::array> squares;
  for (const mx::array& g : grads)
    squares.push_back(cpu_kernels_apply(g) ? sum_of_squares_cpu(g) : mx::sum(mx::square(g)));
  GradientClip out;
  // torch takes each tensor's norm, then the norm of the norms.
  out.total_norm =
      grads.empty() ? mx::array(0.0f) : mx::sqrt(mx::sum(mx::square(mx::sqrt(mx::stack(squares)))));
  if (max_norm > 0.0)
    out.scale = mx::minimum(mx::array(static_cast<float>(max_norm)) / (out.total_norm + 1e-6f),
                            mx::array(1.0f));
  return out;
}

}  // namespace mlxocr
