#include "train/optimizer.h"

#include <mlx/ops.h>
#include <algorithm>
#include <cmath>

namespace mlxocr {

std::vector<mx::array> AdamW::step(const std::vector<mx::array>& params,
                                   const std::vector<mx::array>& grads, double lr) {
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
  const float step_size = static_cast<float>(lr / bias_correction1);
  const float correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
  const float decay = static_cast<float>(1.0 - lr * s.weight_decay);
  const float one_minus_beta1 = static_cast<float>(1.0 - s.beta1);
  const float beta2 = static_cast<float>(s.beta2),
              one_minus_beta2 = static_cast<float>(1.0 - s.beta2);
  const float eps = static_cast<float>(s.eps);

  std::vector<mx::array> updated;
  updated.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const mx::array p = s.weight_decay != 0.0 ? params[i] * decay : params[i];
    // lerp(m, g, w) = m + w * (g - m)
    exp_avg_[i] = exp_avg_[i] + one_minus_beta1 * (grads[i] - exp_avg_[i]);
    exp_avg_sq_[i] = exp_avg_sq_[i] * beta2 + one_minus_beta2 * (grads[i] * grads[i]);
    const mx::array denom = mx::sqrt(exp_avg_sq_[i]) / correction2_sqrt + eps;
    updated.push_back(p - step_size * (exp_avg_[i] / denom));
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

ClippedGradients clip_grad_norm(const std::vector<mx::array>& grads, double max_norm) {
  std::vector<mx::array> norms;
  for (const mx::array& g : grads)
    norms.push_back(mx::sqrt(mx::sum(mx::square(g))));
  ClippedGradients out;
  out.total_norm =
      grads.empty() ? mx::array(0.0f) : mx::sqrt(mx::sum(mx::square(mx::stack(norms))));
  if (max_norm <= 0.0) {
    out.grads = grads;
    return out;
  }
  const mx::array coef = mx::minimum(
      mx::array(static_cast<float>(max_norm)) / (out.total_norm + 1e-6f), mx::array(1.0f));
  for (const mx::array& g : grads)
    out.grads.push_back(g * coef);
  return out;
}

}  // namespace mlxocr
