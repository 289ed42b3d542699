#include "image/lines.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace mlxocr {

namespace {

cv::Mat ink_mask(const cv::Mat& gray) {
  cv::Mat ink;
  cv::threshold(gray, ink, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  return ink;
}

cv::Mat rotation(const cv::Size& size, double degrees) {
  return cv::getRotationMatrix2D(cv::Point2f(size.width / 2.0f, size.height / 2.0f), degrees, 1.0);
}

// Sharper row profiles mean straighter lines: the angle that maximises the sum of squared
// row sums is the skew.
double estimate_skew(const cv::Mat& ink, double max_degrees) {
  const double scale = std::min(1.0, 600.0 / std::max(ink.cols, ink.rows));
  cv::Mat small;
  cv::resize(ink, small, {}, scale, scale, cv::INTER_AREA);
  double best_angle = 0, best_score = -1;
  for (double angle = -max_degrees; angle <= max_degrees + 1e-9; angle += 0.1) {
    cv::Mat rotated;
    cv::warpAffine(small, rotated, rotation(small.size(), angle), small.size(), cv::INTER_NEAREST);
    cv::Mat rows;
    cv::reduce(rotated, rows, 1, cv::REDUCE_SUM, CV_64F);
    const double score = rows.dot(rows);
    if (score > best_score) best_score = score, best_angle = angle;
  }
  return best_angle;
}

}  // namespace

PageLines find_text_lines(const cv::Mat& page_gray, const LineOptions& options) {
  PageLines page;
  page.skew_degrees = estimate_skew(ink_mask(page_gray), options.max_skew_degrees);
  cv::warpAffine(page_gray, page.deskewed, rotation(page_gray.size(), page.skew_degrees),
                 page_gray.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
  const cv::Mat ink = ink_mask(page.deskewed);
  cv::Mat row_ink;
  cv::reduce(ink / 255, row_ink, 1, cv::REDUCE_SUM, CV_32S);

  const int height = ink.rows;
  int y = 0;
  while (y < height) {
    if (row_ink.at<int>(y) <= options.min_ink_pixels) {
      ++y;
      continue;
    }
    int end = y, gap = 0;
    for (int r = y; r < height && gap <= options.max_gap; ++r) {
      if (row_ink.at<int>(r) > options.min_ink_pixels) {
        end = r + 1, gap = 0;
      } else {
        ++gap;
      }
    }
    if (end - y >= options.min_line_height) {
      cv::Mat band_cols;
      cv::reduce(ink.rowRange(y, end) / 255, band_cols, 0, cv::REDUCE_SUM, CV_32S);
      int left = 0, right = ink.cols - 1;
      while (left < right && band_cols.at<int>(left) == 0)
        ++left;
      while (right > left && band_cols.at<int>(right) == 0)
        --right;
      const int p = options.padding;
      const int x0 = std::max(0, left - p), y0 = std::max(0, y - p);
      const int x1 = std::min(ink.cols, right + 1 + p), y1 = std::min(height, end + p);
      page.lines.push_back({x0, y0, x1 - x0, y1 - y0});
    }
    y = end + 1;
  }
  return page;
}

Box unskew_box(const Box& box, const PageLines& page, int width, int height) {
  if (page.skew_degrees == 0) return box;
  cv::Mat back;
  cv::invertAffineTransform(rotation({width, height}, page.skew_degrees), back);
  std::vector<cv::Point2f> corners = {{float(box.x), float(box.y)},
                                      {float(box.right()), float(box.y)},
                                      {float(box.x), float(box.bottom())},
                                      {float(box.right()), float(box.bottom())}};
  cv::transform(corners, corners, back);
  const cv::Rect r = cv::boundingRect(corners);
  return {r.x, r.y, r.width, r.height};
}

}  // namespace mlxocr
