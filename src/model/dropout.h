// Dropout for training. The forward passes call dropout() where transformers applies nn.Dropout;
// it does nothing unless a TrainingDropout is alive on the calling thread, so inference and the
// parity tests (dropout off, as model.eval()) never pay for or see it.
#pragma once

#include <cstdint>

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// The probabilities of config.json: encoder.hidden_dropout_prob, decoder.dropout and
// decoder.activation_dropout. (Attention-probability dropout is not applied; TrOCR checkpoints
// set it to 0.)
struct DropoutRates {
  float encoder_hidden = 0.0f;
  float decoder_hidden = 0.0f;
  float decoder_activation = 0.0f;
};

enum class DropoutSite { encoder_hidden, decoder_hidden, decoder_activation };

// Turns training dropout on for this thread while alive; masks are drawn from `seed`, one key per
// call in call order, so the same seed and the same forward pass give the same masks.
class TrainingDropout {
 public:
  TrainingDropout(DropoutRates rates, std::uint64_t seed);
  ~TrainingDropout();
  TrainingDropout(const TrainingDropout&) = delete;
  TrainingDropout& operator=(const TrainingDropout&) = delete;
};

// Whether a TrainingDropout is alive on the calling thread.
bool dropout_active();

// nn.Dropout(p)(x) in training mode: zeros with probability p, the rest scaled by 1 / (1 - p).
// `x` itself when no TrainingDropout is active or p is 0.
mx::array dropout(const mx::array& x, DropoutSite site);

}  // namespace mlxocr
