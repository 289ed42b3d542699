// Registers a scanned page to its form template: real scans are shifted and a little rotated.
#pragma once

#include <opencv2/core.hpp>
#include <string>

#include "mlxocr/box.h"

namespace mlxocr {

struct Alignment {
  bool applied = false;      // false: identity (not asked for, or no clear match found)
  cv::Mat warp;              // 2x3 float, template coordinates -> page coordinates
  double dx = 0, dy = 0;     // translation in page pixels
  double angle_degrees = 0;  // rotation of the page against the template, clockwise on screen
  double correlation = 0;    // share of the outlines that lands on the page's ink (0..1)
  std::string note;          // why it was not applied, when it was asked for
};

// Finds the rotation + shift that maps the template's outlines onto the page: for each angle
// in +-max_degrees the outlines are rotated, placed by phase correlation with the page's ink, and
// scored by how much of them lands on ink (a coarse search on a reduced page, then a fine one at
// full size).
// `outline_mask` is 255 on the template's outline pixels and has the page's size.
// (OpenCV's ECC lives in its video module, whose protobuf clashes with SentencePiece's in one
// process on Debian, so this uses imgproc's phaseCorrelate only.)
Alignment align_to_template(const cv::Mat& page_gray, const cv::Mat& outline_mask,
                            double max_degrees = 2.0);

// Where a template box lies on the page: the bounding box of its transformed corners.
Box map_box(const Box& template_box, const Alignment& alignment);

// The page resampled into the template's frame, so template boxes cut clean crops from it.
cv::Mat page_in_template_frame(const cv::Mat& page, const Alignment& alignment);

}  // namespace mlxocr
