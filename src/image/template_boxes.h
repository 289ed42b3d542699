// Form templates: fields are outlined in red on an otherwise transparent (or white) image. The
// red outlines become field boxes in reading order, as our users' Python workflow found them.
#pragma once

#include <filesystem>
#include <opencv2/core.hpp>
#include <vector>

#include "image/image.h"
#include "mlxocr/box.h"

namespace mlxocr {

struct TemplateOptions {
  // A pixel is "red" when R >= min_red, G <= max_green and B <= max_blue (and, for RGBA
  // templates, alpha >= min_alpha: antialiased edges are partly transparent).
  int min_red = 150, max_green = 110, max_blue = 110, min_alpha = 32;
  // Boxes smaller than this are specks, not fields.
  int min_width = 12, min_height = 8;
  // Boxes wider than this fraction of the template are frames around the form, not fields.
  double max_width_fraction = 0.98;
};

// The template image as BGRA (alpha 255 when the file has none). Bounded like every image:
// its header is checked against `limits` before it is decoded.
cv::Mat load_template(const std::filesystem::path& file, const ImageLimits& limits = {});

// Mask of the red outline pixels (255 where red).
cv::Mat red_mask(const cv::Mat& bgra, const TemplateOptions& options);

// Bounding boxes of the outlines' external contours, filtered, in reading order.
std::vector<Box> find_template_boxes(const cv::Mat& bgra, const TemplateOptions& options);

// Rows top to bottom (boxes whose vertical extents overlap by half the smaller height share a
// row), left to right within a row.
std::vector<Box> reading_order(std::vector<Box> boxes);

}  // namespace mlxocr
