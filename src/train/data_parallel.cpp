#include "train/data_parallel.h"

#include <mlx/distributed/ops.h>
#include <cstdlib>

#include "mlxocr/error.h"

namespace mlxocr {

DataParallel DataParallel::from_environment(const std::string& backend) {
  DataParallel dp;
  const bool ring_asked = std::getenv("MLX_HOSTFILE") != nullptr;
  const bool mpi_launched =
      std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr;
  if (!ring_asked && !mpi_launched && backend == "any") return dp;
  try {
    mx::distributed::Group group = mx::distributed::init(true, backend);
    dp.rank_ = group.rank();
    dp.size_ = group.size();
    if (dp.size_ > 1) dp.group_ = group;
  } catch (const std::exception& e) {
    throw UsageError(std::string("cannot join the distributed group (MLX_HOSTFILE, MLX_RANK): ") +
                     e.what());
  }
  return dp;
}

mx::array DataParallel::sum(const mx::array& x) const {
  return group_ ? mx::distributed::all_sum(x, group_) : x;
}

std::vector<mx::array> DataParallel::sum(const std::vector<mx::array>& xs) const {
  if (!group_) return xs;
  std::vector<mx::array> out;
  out.reserve(xs.size());
  for (const mx::array& x : xs)
    out.push_back(mx::distributed::all_sum(x, group_));
  return out;
}

}  // namespace mlxocr
