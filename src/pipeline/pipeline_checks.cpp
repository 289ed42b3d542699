#include "pipeline/pipeline_checks.h"

#include <climits>
#include <cstdio>
#include <vector>

#include "core/option_range.h"
#include "mlxocr/limits.h"

namespace mlxocr {

// Every numeric option in its documented range (the README's "Limits" table); NaN fails every
// comparison below, so it is refused too.
void validate_pipeline_options(const PipelineOptions& o) {
  const auto in_range = check_option_range;
  in_range("PipelineOptions::batch_size", o.batch_size, 1, kMaxBatchSize, "the supported range");
  in_range("PipelineOptions::max_pixels", static_cast<double>(o.max_pixels), 1,
           static_cast<double>(kMaxImagePixels), "the supported range");
  in_range("PipelineOptions::max_new_tokens", o.max_new_tokens, 0, kMaxNewTokens,
           "the supported range");
  in_range("PipelineOptions::num_beams", o.num_beams, 0, kMaxNumBeams, "the supported range");
  in_range("PipelineOptions::min_confidence", o.min_confidence, 0, 1,
           "the confidences a model gives");
  in_range("PipelineOptions::red_min", o.red_min, 0, 255, "the 8-bit colour range");
  in_range("PipelineOptions::green_max", o.green_max, 0, 255, "the 8-bit colour range");
  in_range("PipelineOptions::blue_max", o.blue_max, 0, 255, "the 8-bit colour range");
  in_range("PipelineOptions::min_box_width", o.min_box_width, 1, INT_MAX / 2,
           "the supported range");
  in_range("PipelineOptions::min_box_height", o.min_box_height, 1, INT_MAX / 2,
           "the supported range");
  in_range("PipelineOptions::max_box_width_fraction", o.max_box_width_fraction, 0, 1,
           "a fraction of the template width");
  in_range("PipelineOptions::inset", o.inset, 0, kMaxInset, "the supported range");
  in_range("PipelineOptions::contrast", o.contrast, 0, 100, "the supported range");
  in_range("PipelineOptions::brightness", o.brightness, -255, 255, "the 8-bit colour range");
  in_range("window_aspect", o.window_aspect, 0, kMaxWindowAspect, "the supported range");
}

// Says why a template gave no boxes: no red at all, or outlines every one of which a size filter
// dropped (naming the filter, so that the user knows which option to change).
std::string no_template_boxes_message(const std::string& file, const cv::Mat& bgra,
                                      const TemplateOptions& t) {
  TemplateOptions any = t;
  any.min_width = any.min_height = 1;
  any.max_width_fraction = 1.0;
  const std::vector<Box> outlines = find_template_boxes(bgra, any);
  if (outlines.empty()) {
    return file +
           ": no red field outlines found (see "
           "PipelineOptions::red_min/PipelineOptions::green_max/PipelineOptions::blue_max)";
  }
  int small = 0, wide = 0;
  for (const Box& b : outlines) {
    if (b.w < t.min_width || b.h < t.min_height) {
      ++small;
    } else {
      ++wide;
    }
  }
  char fraction[32];
  std::snprintf(fraction, sizeof fraction, "%g", t.max_width_fraction);
  return file + ": " + std::to_string(outlines.size()) +
         " red outline(s) found, but the size filters dropped every one: " + std::to_string(small) +
         " smaller than PipelineOptions::min_box_width " + std::to_string(t.min_width) +
         " / PipelineOptions::min_box_height " + std::to_string(t.min_height) + ", " +
         std::to_string(wide) + " wider than PipelineOptions::max_box_width_fraction " + fraction +
         " of the template";
}

}  // namespace mlxocr
