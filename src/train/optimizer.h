// The optimisation of the common TrOCR fine-tuning recipe, exactly as PyTorch and transformers
// compute it: torch.optim.AdamW, torch.nn.utils.clip_grad_norm_ and
// transformers.get_linear_schedule_with_warmup.
#pragma once

#include <mlx/array.h>
#include <vector>

#include "mlxocr/train.h"  // AdamWSettings, part of the public TrainOptions

namespace mlxocr {

namespace mx = mlx::core;

// torch.optim.AdamW (foreach or not, same arithmetic): decoupled weight decay
// p *= 1 - lr * wd, moments m = lerp(m, g, 1 - b1), v = b2 v + (1 - b2) g^2, then
// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
class AdamW {
 public:
  explicit AdamW(AdamWSettings settings) : settings_(settings) {}

  // One step at learning rate `lr` (the schedule's value) with the gradients times
  // `grad_scale` (a scalar: clip_grad_norm's factor); returns the new parameters. The moments
  // are created (zeros) on the first step.
  std::vector<mx::array> step(const std::vector<mx::array>& params,
                              const std::vector<mx::array>& grads, double lr,
                              const mx::array& grad_scale = mx::array(1.0f));

  long long steps_taken() const { return step_; }
  const std::vector<mx::array>& exp_avg() const { return exp_avg_; }
  const std::vector<mx::array>& exp_avg_sq() const { return exp_avg_sq_; }
  // Restores a saved state (resume).
  void restore(long long steps, std::vector<mx::array> exp_avg, std::vector<mx::array> exp_avg_sq);
  const AdamWSettings& settings() const { return settings_; }

 private:
  AdamWSettings settings_;
  long long step_ = 0;
  std::vector<mx::array> exp_avg_, exp_avg_sq_;
};

// get_linear_schedule_with_warmup's factor at `step` (0-based, the step about to be taken):
// step / warmup during warmup, then linearly down to 0 at total_steps.
double linear_schedule_factor(long long step, long long warmup_steps, long long total_steps);

// clip_grad_norm_(max_norm): the global 2-norm of all gradients (before clipping) and the factor
// min(1, max_norm / (norm + 1e-6)) that AdamW::step applies to them; max_norm <= 0 gives 1.
struct GradientClip {
  mx::array total_norm = mx::array(0.0f);
  mx::array scale = mx::array(1.0f);
};
GradientClip clip_grad_norm(const std::vector<mx::array>& grads, double max_norm);

}  // namespace mlxocr
