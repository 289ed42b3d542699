#include "image/cv_convert.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace mlxocr {

cv::Mat to_bgr(const RgbImage& image) {
  cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

RgbImage from_mat(const cv::Mat& mat) {
  cv::Mat rgb;
  if (mat.channels() == 1) {
    cv::cvtColor(mat, rgb, cv::COLOR_GRAY2RGB);
  } else {
    cv::cvtColor(mat, rgb, cv::COLOR_BGR2RGB);
  }
  RgbImage image;
  image.width = rgb.cols;
  image.height = rgb.rows;
  image.pixels.resize(static_cast<size_t>(rgb.cols) * rgb.rows * 3);
  for (int y = 0; y < rgb.rows; ++y) {
    std::copy_n(rgb.ptr<uint8_t>(y), static_cast<size_t>(rgb.cols) * 3,
                image.pixels.data() + static_cast<size_t>(y) * rgb.cols * 3);
  }
  return image;
}

Box clip(const Box& box, int width, int height) {
  const int x0 = std::clamp(box.x, 0, width), y0 = std::clamp(box.y, 0, height);
  const int x1 = std::clamp(box.right(), 0, width), y1 = std::clamp(box.bottom(), 0, height);
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

}  // namespace mlxocr
