// Between our RgbImage (what the processor takes) and OpenCV matrices (what page analysis uses).
#pragma once

#include <opencv2/core.hpp>

#include "image/image.h"
#include "mlxocr/box.h"

namespace mlxocr {

// A BGR CV_8UC3 copy of `image`.
cv::Mat to_bgr(const RgbImage& image);
// An RgbImage copy of a BGR CV_8UC3 or gray CV_8UC1 matrix.
RgbImage from_mat(const cv::Mat& mat);
// `box` clipped to a width x height image (may become empty).
Box clip(const Box& box, int width, int height);

}  // namespace mlxocr
