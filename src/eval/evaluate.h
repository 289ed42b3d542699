// Evaluation of a model on a dataset: every sample decoded (the Recognizer, as `mlxocr recognize`
// reads a line), then compared with its text (metrics.h). The engine behind mlxocr::evaluate
// (include/mlxocr/evaluate.h, src/api/evaluate.cpp), which `mlxocr eval` calls.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "eval/metrics.h"
#include "mlxocr/evaluate.h"
#include "pipeline/recognizer.h"

namespace mlxocr {

// What was read: the samples decoded, in dataset order, and their texts.
struct Evaluation {
  TextMetrics metrics;
  std::vector<std::filesystem::path> images;
  std::vector<std::string> references, predictions;
  // Samples whose image could not be decoded (header fine, pixels not), the message naming the
  // file. They are left out of the metrics.
  std::vector<std::string> problems;
};

// Decodes `samples` in batches (images are loaded a batch at a time, so a large dataset does not
// sit in memory) with `generation` and scores the texts. Reads options.batch_size, worst_count
// and progress; options.generation is the caller's to lay into `generation` (the public
// mlxocr::evaluate does). Throws UsageError when batch_size < 1.
Evaluation evaluate(const Recognizer& recognizer, const std::vector<Sample>& samples,
                    const GenerationConfig& generation, const EvalOptions& options);

}  // namespace mlxocr
