// Form mode: a field's crop cut down to the writing in it.
//
// A form's box is usually much larger than what is written in it: the text may fill a third of
// the box's height, sit in one corner, or be small in a very wide box, and the model's resize to
// its input shape then shrinks the writing further. fit_to_ink finds the writing (ignoring the
// box's edges and specks of scan noise) and keeps a margin around it, so that the writing fills
// the crop as it fills a training line. Measured on 12 synthetic test forms (216 fields, fonts
// never seen in training; bench/form_quality.py): 105 -> 157 fields exact, CER 26.0 % -> 10.3 %
// with the run-13 model, 129 -> 175, 17.3 % -> 6.8 % with run 14's. Padding the cut-down crop
// with paper to the model's 12:1 input shape (so that the resize keeps the letters' shape) was
// worse (run 13: 138 exact, 12.4 %): the model reads stretched tight crops better.
#pragma once

#include <optional>

#include <opencv2/core.hpp>

namespace mlxocr {

struct InkFitOptions {
  double margin_y = 0.3;  // kept above and below the writing, in heights of the writing
  double margin_x = 0.5;  // kept left and right, in heights of the writing
};

// The grey level half the pixels of `gray` are lighter than: the paper, in a crop that is mostly
// paper.
int median_level(const cv::Mat& gray);

// The ink of a grey crop, 255 where a pixel is no lighter than both Otsu's threshold and the paper
// (median_level) less `min_contrast`; std::nullopt when ink and paper do not differ that much (a
// dark crop: no paper to speak of).
std::optional<cv::Mat> binarise_ink(const cv::Mat& gray, int min_contrast);

// Where the writing lies in a grey crop: the bounding box of its ink after removing lines along
// the crop's edges (a box outline the inset did not cut away), specks, and ink far to the side of
// the main text (a stray mark). nullopt when the crop holds no ink (an empty field).
std::optional<cv::Rect> find_ink(const cv::Mat& gray);

// `bgr` (8-bit, 3 channels) cut down to its writing plus margins (a margin that runs past the
// crop is filled with the paper's colour); `bgr` itself when it holds no ink. `kept`, when given,
// is set to the rectangle of `bgr` the result shows (it may reach past `bgr`'s edges; all of
// `bgr` when it holds no ink), so that positions on the result map back to `bgr`.
cv::Mat fit_to_ink(const cv::Mat& bgr, const InkFitOptions& options, cv::Rect* kept = nullptr);

}  // namespace mlxocr
