#include "image/align.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace mlxocr {

namespace {

struct Match {
  double angle = 0, response = -1;
  cv::Point2d shift;
};

// Bright structure on black, as float, which is what phase correlation compares.
cv::Mat as_signal(const cv::Mat& bright, double scale) {
  cv::Mat small, out;
  if (scale < 1.0) {
    cv::resize(bright, small, {}, scale, scale, cv::INTER_AREA);
  } else {
    small = bright;
  }
  small.convertTo(out, CV_32F, 1.0 / 255.0);
  cv::GaussianBlur(out, out, {5, 5}, 0);  // a pixel off still counts a little: smoother scores
  return out;
}

cv::Mat rotation_about_centre(const cv::Size& size, double degrees) {
  return cv::getRotationMatrix2D(cv::Point2f(size.width / 2.0f, size.height / 2.0f), -degrees, 1.0);
}

// For each angle: rotate the outlines, find the shift by phase correlation, then score how much
// of the shifted outlines lands on ink. The overlap (not the correlation peak, which barely
// changes with small rotations) decides the angle: the ends of long rules move with it.
Match best_match(const cv::Mat& outlines, const cv::Mat& ink, const cv::Mat& window, double from,
                 double to, double step) {
  Match best;
  for (double angle = from; angle <= to + 1e-9; angle += step) {
    cv::Mat rotation = rotation_about_centre(outlines.size(), angle), rotated, placed;
    cv::warpAffine(outlines, rotated, rotation, outlines.size());
    double peak = 0;
    const cv::Point2d shift = cv::phaseCorrelate(rotated, ink, window, &peak);
    rotation.at<double>(0, 2) += shift.x;
    rotation.at<double>(1, 2) += shift.y;
    cv::warpAffine(outlines, placed, rotation, outlines.size());
    const double overlap = placed.dot(ink);
    if (overlap > best.response) best = {angle, overlap, shift};
  }
  return best;
}

}  // namespace

Alignment align_to_template(const cv::Mat& page_gray, const cv::Mat& outline_mask,
                            double max_degrees) {
  Alignment result;
  result.warp = cv::Mat::eye(2, 3, CV_32F);
  cv::Mat ink;
  cv::threshold(page_gray, ink, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  const double scale = std::min(1.0, 700.0 / std::max(ink.cols, ink.rows));
  const cv::Mat small_outlines = as_signal(outline_mask, scale), small_ink = as_signal(ink, scale);
  cv::Mat small_window, window;
  cv::createHanningWindow(small_window, small_ink.size(), CV_32F);
  const Match coarse =
      best_match(small_outlines, small_ink, small_window, -max_degrees, max_degrees, 0.1);
  const cv::Mat outlines = as_signal(outline_mask, 1.0), full_ink = as_signal(ink, 1.0);
  cv::createHanningWindow(window, full_ink.size(), CV_32F);
  const Match fine =
      best_match(outlines, full_ink, window, coarse.angle - 0.1, coarse.angle + 0.1, 0.02);
  // How much of the outline found ink: a blank or unrelated page matches nothing well.
  const double outline_mass = cv::sum(outlines)[0];
  result.correlation = outline_mass > 0 ? fine.response / outline_mass : 0;
  if (result.correlation < 0.2) {
    result.note = "no clear match between page and template; the template was used as it is";
    return result;
  }
  cv::Mat warp = rotation_about_centre(outlines.size(), fine.angle);
  warp.at<double>(0, 2) += fine.shift.x;
  warp.at<double>(1, 2) += fine.shift.y;
  warp.convertTo(result.warp, CV_32F);
  result.applied = true;
  result.angle_degrees = fine.angle;
  // The translation of the template's origin, as a user reads it off the pictures.
  result.dx = result.warp.at<float>(0, 2);
  result.dy = result.warp.at<float>(1, 2);
  return result;
}

Box map_box(const Box& box, const Alignment& alignment) {
  if (!alignment.applied) return box;
  const cv::Mat& w = alignment.warp;
  float min_x = 1e9f, min_y = 1e9f, max_x = -1e9f, max_y = -1e9f;
  for (const auto& [x, y] : {std::pair{box.x, box.y},
                             {box.right(), box.y},
                             {box.x, box.bottom()},
                             {box.right(), box.bottom()}}) {
    const float px = w.at<float>(0, 0) * x + w.at<float>(0, 1) * y + w.at<float>(0, 2);
    const float py = w.at<float>(1, 0) * x + w.at<float>(1, 1) * y + w.at<float>(1, 2);
    min_x = std::min(min_x, px), max_x = std::max(max_x, px);
    min_y = std::min(min_y, py), max_y = std::max(max_y, py);
  }
  const int x = static_cast<int>(std::lround(min_x)), y = static_cast<int>(std::lround(min_y));
  return {x, y, static_cast<int>(std::lround(max_x)) - x, static_cast<int>(std::lround(max_y)) - y};
}

cv::Mat page_in_template_frame(const cv::Mat& page, const Alignment& alignment) {
  if (!alignment.applied) return page;
  cv::Mat out;
  // The warp maps template -> page, which is exactly the inverse map warpAffine needs.
  cv::warpAffine(page, out, alignment.warp, page.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_CONSTANT, cv::Scalar::all(255));
  return out;
}

}  // namespace mlxocr
