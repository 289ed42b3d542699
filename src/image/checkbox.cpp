#include "image/checkbox.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace mlxocr {

namespace {

double dark_share(const cv::Mat& ink, const cv::Rect& r) {
  return r.area() == 0 ? 0.0 : static_cast<double>(cv::countNonZero(ink(r))) / r.area();
}

// The inside of the box: every edge row / column (within a quarter of the side) that is mostly
// ink is outline, and so is everything outside it.
cv::Rect inside_outline(const cv::Mat& ink, double outline_fraction) {
  int top = 0, bottom = ink.rows, left = 0, right = ink.cols;
  const int reach_y = ink.rows / 4, reach_x = ink.cols / 4;
  for (int y = 0; y < reach_y; ++y) {
    if (dark_share(ink, {0, y, ink.cols, 1}) >= outline_fraction) top = y + 1;
    if (dark_share(ink, {0, ink.rows - 1 - y, ink.cols, 1}) >= outline_fraction) {
      bottom = ink.rows - 1 - y;
    }
  }
  for (int x = 0; x < reach_x; ++x) {
    if (dark_share(ink, {x, 0, 1, ink.rows}) >= outline_fraction) left = x + 1;
    if (dark_share(ink, {ink.cols - 1 - x, 0, 1, ink.rows}) >= outline_fraction) {
      right = ink.cols - 1 - x;
    }
  }
  return {left, top, std::max(0, right - left), std::max(0, bottom - top)};
}

}  // namespace

CheckboxReading read_checkbox(const cv::Mat& gray, const CheckboxOptions& options) {
  CheckboxReading reading;
  if (gray.empty()) return reading;
  cv::Mat ink;
  cv::threshold(gray, ink, options.dark_below - 1, 255, cv::THRESH_BINARY_INV);
  // A filled box is dark in every row: its "outline" would reach the middle. Only rows next to
  // the edge can be outline, so a filled box keeps three quarters of its inside.
  reading.ink_fraction = dark_share(ink, inside_outline(ink, options.outline_fraction));
  const double t = options.checked_fraction;
  reading.checked = reading.ink_fraction >= t;
  reading.confidence = std::min(1.0, 0.5 + std::abs(reading.ink_fraction - t) / (2 * t));
  return reading;
}

bool looks_like_checkbox(int box_width, int box_height, int template_width) {
  if (box_width <= 0 || box_height <= 0 || template_width <= 0) return false;
  const double ratio = static_cast<double>(box_width) / box_height;
  const int longest = std::max(box_width, box_height);
  return ratio >= 1 / 1.2 && ratio <= 1.2 && longest <= 0.025 * template_width;
}

}  // namespace mlxocr
