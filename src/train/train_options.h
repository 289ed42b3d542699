// The checks TrainOptions passes before a run loads anything or sizes anything from it.
#pragma once

#include "mlxocr/train.h"

namespace mlxocr {

// Every number in its documented range (TrainLimits, docs/security.md; LimitError naming the
// field, exit 2 in the CLI; NaN is outside every range), then the combinations that cannot work
// (UsageError naming the fields).
void check_train_options(const TrainOptions& options);

}  // namespace mlxocr
