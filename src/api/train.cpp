// mlxocr::train (include/mlxocr/train.h): the model spec resolved and the process group formed,
// then the run of train/trainer.h.
#include "mlxocr/train.h"

#include "io/model_resolver.h"
#include "train/data_parallel.h"
#include "train/trainer.h"

namespace mlxocr {

TrainSummary train(const TrainOptions& options, std::ostream& log) {
  TrainOptions resolved = options;
  // A hub id becomes its snapshot folder; "" stays empty (a resumed run needs no model), where
  // resolve_model would pick the bundled model.
  if (!options.model.empty()) resolved.model = resolve_model(options.model.string());
  const DataParallel parallel = DataParallel::from_environment(options.distributed_backend);
  return train(resolved, parallel, log);
}

}  // namespace mlxocr
