// OUTPUT/metrics.jsonl of a training run: one JSON line per step and per evaluation, appended
// and flushed as they come, so a run killed at any point leaves every line it logged.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "train/plot.h"

namespace mlxocr {

// On resume the lines past the checkpoint's step (from a run that died after it) are dropped
// first, so the file tells one consistent story. Disabled (every call a no-op) in the processes
// other than rank 0.
class MetricsLog {
 public:
  MetricsLog(std::filesystem::path file, long long resume_step, bool enabled);
  void write(const nlohmann::json& record);
  // The curves of everything logged so far (for the plot).
  TrainingCurves curves() const;

 private:
  std::filesystem::path file_;
  bool enabled_;
  std::ofstream out_;
};

}  // namespace mlxocr
