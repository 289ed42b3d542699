// The output folder of a training run, made ready before anything heavy is loaded: created,
// locked for this run, checked writable, and an earlier run in it continued, replaced or refused.
#pragma once

#include <memory>

#include "core/output_lock.h"
#include "mlxocr/train.h"

namespace mlxocr {

// Fails early, with the folder's name, when the output cannot be written or another run is
// writing it; the lock returned is to be held for the whole run. An earlier run's checkpoints
// are kept when resuming, removed (with its metrics.jsonl and training.png) with
// TrainOptions::overwrite, and refused otherwise: never overwritten checkpoint by checkpoint.
std::unique_ptr<OutputLock> prepare_output(const TrainOptions& options);

}  // namespace mlxocr
