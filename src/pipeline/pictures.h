// Pictures that say more than the listing: where the fields are, what was read where.
#pragma once

#include <filesystem>
#include <opencv2/core.hpp>

#include "mlxocr/pipeline.h"

namespace mlxocr {

// The page with the field outlines (guides) drawn where they lie on it, numbered.
cv::Mat draw_guides(const cv::Mat& page_bgr, const PageResult& page);
// The page with boxes, numbers and the recognized text (ASCII; other characters as '?').
cv::Mat draw_annotated(const cv::Mat& page_bgr, const PageResult& page);
// Writes `image` as PNG atomically.
void write_png(const std::filesystem::path& file, const cv::Mat& image);

}  // namespace mlxocr
