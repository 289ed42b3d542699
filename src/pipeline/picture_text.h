// Text drawn into a box of a picture: any character DejaVu Sans has (é, Ω, ...), through OpenCV's
// freetype module. Characters the font lacks (CJK, for one) come out as its missing-glyph box.
// Without the font file, OpenCV's Hershey font draws the ASCII characters and '?' for the others.
#pragma once

#include <opencv2/core.hpp>
#include <string>

#include "mlxocr/box.h"

namespace mlxocr {

// Debian's fonts-dejavu-core puts it here.
inline constexpr const char* kPictureFontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// Whether kPictureFontFile was loaded (on first use; a missing file warns once on stderr).
bool picture_font_loaded();

// Draws `text` (UTF-8) inside `box` of `image` (BGR): its height from the box's, shrunk until it
// fits the box's width; no ink falls outside the box, clipped to the image.
void draw_text_in_box(cv::Mat& image, const std::string& text, const Box& box,
                      const cv::Scalar& colour);

}  // namespace mlxocr
