// Evaluation of a model on a dataset: every sample decoded (the Recognizer, as `mlxocr recognize`
// reads a line), then compared with its text (metrics.h). Used by `mlxocr eval` and in training.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "eval/metrics.h"
#include "pipeline/recognizer.h"

namespace mlxocr {

struct EvalOptions {
  int batch_size = 8;
  size_t worst_count = kDefaultWorstExamples;
  // Called after every batch with (samples done, samples in all).
  std::function<void(size_t, size_t)> progress;
};

struct EvalResult {
  TextMetrics metrics;
  // The samples that were decoded, in dataset order, and what the model read.
  std::vector<std::filesystem::path> images;
  std::vector<std::string> references, predictions;
  // Samples whose image could not be decoded (header fine, pixels not), the message naming the
  // file. They are left out of the metrics.
  std::vector<std::string> problems;
};

// Decodes `samples` in batches (images are loaded a batch at a time, so a large dataset does not
// sit in memory) with `generation` and scores the texts. Throws UsageError when batch_size < 1.
EvalResult evaluate(const Recognizer& recognizer, const std::vector<Sample>& samples,
                    const GenerationConfig& generation, const EvalOptions& options);

}  // namespace mlxocr
