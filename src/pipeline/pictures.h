// Pictures that say more than the listing: where the fields are, what was read where.
#pragma once

#include <filesystem>
#include <opencv2/core.hpp>

#include "mlxocr/pipeline.h"

namespace mlxocr {

// The page with the field outlines (guides) drawn where they lie on it, numbered, and the ink
// drop-out left out (PageResult::dropped) in kPictureDroppedColour.
cv::Mat draw_guides(const cv::Mat& page_bgr, const PageResult& page);
// Colours (BGR) of the annotated picture.
inline const cv::Scalar kPictureBlockColour(160, 40, 160);     // purple: Tesseract blocks
inline const cv::Scalar kPictureLineColour(40, 150, 40);       // green: lines (fields), numbered
inline const cv::Scalar kPictureWordColour(220, 120, 0);       // blue: words, thin
inline const cv::Scalar kPictureTextColour(0, 0, 0);           // black: the text read
inline const cv::Scalar kPictureWarningColour(0, 140, 255);    // orange: confidence below...
inline const cv::Scalar kPictureDroppedColour(250, 200, 140);  // light blue: printed, dropped
// ...this (line confidence for lines and their text, word confidence for words). A mark to look
// again at: with a calibrated model (calibration.json, as the bundled one) below 0.5 means more
// likely wrong than exact; with a raw one it is only a mark.
inline constexpr double kPictureLowConfidence = 0.5;

// Two panels side by side, each the page's size: left, the page with block outlines (the union
// of a block's line boxes; Tesseract layout only), line (field) boxes numbered in reading order
// and word boxes; right, a white page with each line's (field's) text drawn inside its own box,
// sized to fit it, so that no text covers another line (pipeline/picture_text.h: Unicode through
// DejaVu Sans).
cv::Mat draw_annotated(const cv::Mat& page_bgr, const PageResult& page);
// Writes `image` as PNG atomically.
void write_png(const std::filesystem::path& file, const cv::Mat& image);

}  // namespace mlxocr
