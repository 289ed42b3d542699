// The training run behind mlxocr::train (include/mlxocr/train.h), over a process group already
// formed: `mlxocr train` and the public entry point both come here.
#pragma once

#include <iosfwd>

#include "mlxocr/train.h"
#include "train/data_parallel.h"

namespace mlxocr {

// Runs the training with `options.model` already a local folder (the public train() resolves a
// hub id first) and `parallel` the group this process belongs to; options.distributed_backend is
// not read here. Throws as mlxocr::train does.
TrainSummary train(const TrainOptions& options, const DataParallel& parallel, std::ostream& log);

}  // namespace mlxocr
