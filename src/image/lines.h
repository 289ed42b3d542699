// Page mode: text lines of a page, found by binarising, deskewing and a horizontal projection.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

#include "mlxocr/box.h"

namespace mlxocr {

struct LineOptions {
  double max_skew_degrees = 5.0;  // searched in steps of 0.1°
  int min_line_height = 6;        // bands thinner than this are rules or noise
  int min_ink_pixels = 2;         // a row is ink when it holds more dark pixels than this
  int max_gap = 2;                // rows of white a line may contain (dots of i, thin strokes)
  int padding = 4;                // around each line's ink
};

struct PageLines {
  double skew_degrees = 0;  // the page's text is rotated by this much (counter-clockwise +)
  cv::Mat deskewed;         // the page rotated back so that lines are horizontal
  std::vector<Box> lines;   // in the deskewed page, top to bottom
};

PageLines find_text_lines(const cv::Mat& page_gray, const LineOptions& options);

// Where a box of the deskewed page lies on the original page.
Box unskew_box(const Box& box, const PageLines& page, int width, int height);

}  // namespace mlxocr
