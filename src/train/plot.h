// The training curves as a PNG (OpenCV drawing): loss per step above, CER per evaluation below.
#pragma once

#include <filesystem>
#include <utility>
#include <vector>

namespace mlxocr {

struct TrainingCurves {
  std::vector<std::pair<double, double>> loss;  // (step, training loss)
  std::vector<std::pair<double, double>> cer;   // (step, eval CER)
};

// Writes `file` atomically; nothing is drawn for an empty curve (its panel says so).
void write_training_plot(const std::filesystem::path& file, const TrainingCurves& curves);

}  // namespace mlxocr
