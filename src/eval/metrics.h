// Text recognition metrics. PLACEHOLDER: interface agreed with branch `data`, which owns this
// file and replaces this version (documented normalisation, worst examples) when merged.
#pragma once

#include <string>
#include <vector>

namespace mlxocr {

struct TextMetrics {
  double cer = 0, wer = 0, exact_match = 0;
  size_t count = 0;
};

TextMetrics compute_metrics(const std::vector<std::string>& predictions,
                            const std::vector<std::string>& references);

}  // namespace mlxocr
