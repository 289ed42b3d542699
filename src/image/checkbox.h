// Check boxes read from their ink, not by the text model: a box is checked when enough of its
// inside is dark once the printed outline is taken away (ticks, crosses, scribbles and filled
// boxes all qualify; a speck of dust or a stray dot does not).
#pragma once

#include <opencv2/core.hpp>

namespace mlxocr {

struct CheckboxOptions {
  int dark_below = 128;  // a pixel is ink when its grey value is below this
  // Checked when at least this fraction of the inside is ink. A tick drawn with a pen in a 5 mm box
  // covers 8-15 % of it, a cross 15-25 %, a speck under 2 %: 5 % sits between with room on both
  // sides (tests/image/test_checkbox.cpp draws each).
  double checked_fraction = 0.05;
  // Rows and columns this dark at the edge (up to a quarter of the side in) are the printed
  // outline, which a few pixels of misalignment leave inside the crop.
  double outline_fraction = 0.6;
};

struct CheckboxReading {
  bool checked = false;
  double ink_fraction = 0;  // of the inside, outline removed
  // 0.5 at the threshold, 1 at zero ink or at twice the threshold: how far from the line between
  // checked and unchecked the box lies (min(1, 0.5 + |fraction - threshold| / (2 threshold))).
  double confidence = 0;
};

// Reads `gray` (8-bit, one channel: the box's crop, a few pixels inside its outline).
CheckboxReading read_checkbox(const cv::Mat& gray, const CheckboxOptions& options = {});

// Whether a template box is small and square enough to be a check box when the fields file gives
// it no type: sides within 20 % of each other and no longer than 2.5 % of the template's width
// (a 5 mm box on a 210 mm page is 2.4 %; a field one character wide is rarely drawn that small).
bool looks_like_checkbox(int box_width, int box_height, int template_width);

}  // namespace mlxocr
