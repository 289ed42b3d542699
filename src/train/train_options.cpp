#include "train/train_options.h"

#include <cmath>
#include <string>

#include "core/option_range.h"
#include "mlxocr/error.h"
#include "model/config.h"
#include "train/checkpoint.h"

namespace mlxocr {

namespace {

// Every numeric option in its documented range (docs/security.md), before anything is loaded or
// sized from it: LimitError, exit 2 in the CLI. NaN is outside every range.
void check_option_ranges(const TrainOptions& o) {
  using L = TrainLimits;
  const double steps = static_cast<double>(kMaxTrainingSteps);
  check_option_range("TrainOptions::batch_size", o.batch_size, 1, L::kMaxBatchSize);
  check_option_range("TrainOptions::eval_batch_size", o.eval_batch_size, 1, L::kMaxBatchSize);
  check_option_range("TrainOptions::grad_accum", o.grad_accum, 1, L::kMaxGradAccum);
  check_option_range("TrainOptions::epochs", o.epochs, 0, L::kMaxEpochs);
  check_option_range("TrainOptions::max_steps", static_cast<double>(o.max_steps), 0, steps);
  check_option_range("TrainOptions::warmup_steps", static_cast<double>(o.warmup_steps), 0, steps);
  check_option_range("TrainOptions::save_every", static_cast<double>(o.save_every), 0, steps);
  check_option_range("TrainOptions::eval_every", static_cast<double>(o.eval_every), 0, steps);
  check_option_range("TrainOptions::keep_last", o.keep_last, 0, L::kMaxKeepLast);
  check_option_range("TrainOptions::max_target_length", o.max_target_length, 0,
                     ConfigLimits::kMaxPositions);
  check_option_range("TrainOptions::adamw.weight_decay", o.adamw.weight_decay, 0,
                     L::kMaxWeightDecay);
  check_option_range("TrainOptions::grad_clip", o.grad_clip, 0, L::kMaxGradClip);
  check_option_range("TrainOptions::token_dropout", o.token_dropout, 0, 0.9);
  check_option_range("TrainOptions::ctc_weight", o.ctc_weight, 0, 10);
}

}  // namespace

void check_train_options(const TrainOptions& o) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw UsageError(what);
  };
  check_option_ranges(o);
  // No upper bound: a rate that makes the loss non-finite stops the run with a message (and
  // the tests use one to check that).
  need(o.adamw.lr > 0 && std::isfinite(o.adamw.lr),
       "TrainOptions::adamw.lr must be a positive number");
  need(o.label_smoothing >= 0 && o.label_smoothing < 1,
       "TrainOptions::label_smoothing must be in [0, 1)");
  need(o.max_target_length == 0 || o.max_target_length >= 2,
       "TrainOptions::max_target_length must be at least 2 (start and end tokens)");
  need(o.max_steps > 0 || o.epochs > 0,
       "TrainOptions::epochs must be positive (or give TrainOptions::max_steps)");
  need(!o.overwrite || o.resume.empty(),
       "TrainOptions::resume and TrainOptions::overwrite exclude each other (one continues the run "
       "in the output "
       "folder, the other removes it)");
}

}  // namespace mlxocr
