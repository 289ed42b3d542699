// Data-parallel training over processes with MLX's distributed layer (ring backend over TCP, or
// MPI where MLX finds it): every process computes the gradient of its shard of the global batch,
// the gradients are summed with all_sum, and every process takes the same optimizer step.
#pragma once

#include <mlx/array.h>
#include <mlx/distributed/distributed.h>
#include <optional>
#include <vector>

namespace mlxocr {

namespace mx = mlx::core;

class DataParallel {
 public:
  // A single process: no communication.
  DataParallel() = default;
  // Joins the group the environment describes (MLX_RANK + MLX_HOSTFILE for the ring backend,
  // or an MPI launch) when there is one; otherwise a single process. `backend` is MLX's name:
  // "any", "ring" or "mpi". Throws UsageError when the environment asks for a group that
  // cannot be formed.
  static DataParallel from_environment(const std::string& backend = "any");

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_main() const { return rank_ == 0; }

  // Sums over the processes (the arrays themselves on a single process).
  mx::array sum(const mx::array& x) const;
  std::vector<mx::array> sum(const std::vector<mx::array>& xs) const;

 private:
  std::optional<mx::distributed::Group> group_;
  int rank_ = 0, size_ = 1;
};

}  // namespace mlxocr
