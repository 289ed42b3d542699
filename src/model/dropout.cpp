#include "model/dropout.h"

#include <mlx/ops.h>
#include <mlx/random.h>
#include <optional>

namespace mlxocr {

namespace {

struct ActiveDropout {
  DropoutRates rates;
  std::uint64_t seed = 0;
  std::uint64_t calls = 0;
};

thread_local std::optional<ActiveDropout> active;

}  // namespace

TrainingDropout::TrainingDropout(DropoutRates rates, std::uint64_t seed) {
  active = ActiveDropout{rates, seed, 0};
}

TrainingDropout::~TrainingDropout() {
  active.reset();
}

bool dropout_active() {
  return active.has_value();
}

mx::array dropout(const mx::array& x, DropoutSite site) {
  if (!active) return x;
  const float p = site == DropoutSite::encoder_hidden   ? active->rates.encoder_hidden
                  : site == DropoutSite::decoder_hidden ? active->rates.decoder_hidden
                                                        : active->rates.decoder_activation;
  if (p <= 0.0f) return x;
  const std::uint64_t call = active->calls++;
  const mx::array key = mx::random::key(active->seed + call * 0x9E3779B97F4A7C15ULL);
  const mx::array keep = mx::random::bernoulli(mx::array(1.0f - p), x.shape(), key);
  return mx::where(keep, x * (1.0f / (1.0f - p)), mx::zeros_like(x));
}

}  // namespace mlxocr
