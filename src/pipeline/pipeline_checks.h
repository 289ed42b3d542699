// What Pipeline's constructor checks before it loads anything, with messages that name the
// option (PipelineOptions::...) a user must change.
#pragma once

#include <opencv2/core.hpp>
#include <string>

#include "image/template_boxes.h"
#include "mlxocr/pipeline.h"

namespace mlxocr {

// Throws UsageError naming the first numeric option outside its documented range (the README's
// "Limits" table); NaN is refused too.
void validate_pipeline_options(const PipelineOptions& options);

// Why the template `file` (its pixels `bgra`) gave no field boxes under `t`: no red at all, or
// outlines every one of which a size filter dropped, naming the filter.
std::string no_template_boxes_message(const std::string& file, const cv::Mat& bgra,
                                      const TemplateOptions& t);

}  // namespace mlxocr
