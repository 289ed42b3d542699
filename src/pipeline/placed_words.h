// A reading's words placed on the ink of the image the model read (image/word_boxes.h): the one
// rule that lines read whole (pipeline.cpp) and windows of long lines (line_windows.h) share.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "image/word_boxes.h"
#include "pipeline/recognizer.h"

namespace mlxocr {

// One word and its box in the pixels of the image whose ink placed it.
struct PlacedWord {
  std::string text;
  cv::Rect box;
  double confidence = 0;
};

// Characters (UTF-8 code points) of `text`.
int utf8_length(const std::string& text);

// `reading`'s words (its text's whitespace-separated pieces, split_words) placed on `ink`; their
// confidences are the recognizer's when its words are the same pieces, else the line's. None
// when the text is empty or the ink holds none.
std::vector<PlacedWord> place_reading_words(const RecognizedLine& reading, const LineInk& ink);

}  // namespace mlxocr
