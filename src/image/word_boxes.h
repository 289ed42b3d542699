// Word boxes: where each word the model read lies on the ink of its line crop. Pure image code:
// the model gives the words (how many, how many characters each), the ink gives the places.
//
// The rule. The crop is binarised (Otsu on grey; a crop with less than kWordInkContrast between
// ink and paper has no ink), rows inked along most of the width (a rule, an underline, a box
// edge) and columns at the crop's edges inked along nearly its whole height (a box outline) are
// cleared, and connected specks smaller than kSpeckFraction of the crop's height squared are
// dropped. The column projection of what is left gives ink runs; the blank runs between them are
// the gaps. A gap at least kMinWordGap times the line's ink height (its topmost to its lowest
// ink row) wide is a candidate word gap: narrower ones are gaps inside letters and between them.
// For n words:
//   - at least n-1 candidate gaps: the n-1 widest are the word boundaries (ties: the leftmost);
//   - fewer: every candidate gap is a boundary, each segment of ink between them gets a run of
//     consecutive words (the segment's share of the ink's width matched to the words' share of
//     the characters, every segment at least one word), and a segment holding several words is
//     cut in proportion to their characters (a space counting as one character).
// Each word's box is the tight bounding box of the ink inside its columns (rows too).
//
// Where it fails: proportional cuts are only as good as the font's widths are even ("mm" is
// wider than "il"), so touching words (handwriting, condensed print) get approximate boxes; a
// line whose letter gaps are as wide as its word gaps (letter-spaced print, some handwriting)
// can cut a word in two and join two others; text the model invented or dropped moves every
// later word's box; ink of a neighbouring line caught in the crop (a descender from above)
// makes boxes taller; italic words lean into each other's columns.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

namespace mlxocr {

// Ink must be this much darker than the paper (grey levels): scan noise stays below it.
inline constexpr int kWordInkContrast = 40;
// A blank run of columns at least this many times the line's ink height is a candidate word gap.
// A space is about a quarter of an em and the ink of a line (ascenders to descenders) a little
// more than an em, so word gaps lie above 0.2; letters of book fonts stand less than 0.1 apart
// (wide-set fonts more, OpenCV's Hershey letters up to 0.3: there the n-1 widest gaps still find
// spaced words, but touching words are cut at letter gaps).
inline constexpr double kMinWordGap = 0.2;
// Connected ink smaller than this times the crop's height squared is a speck.
inline constexpr double kSpeckFraction = 1.0 / 400;

// What placing words needs of a line crop, per column: the topmost and lowest ink row (-1 when
// the column holds no ink). A few integers per column, so that a page's 100+ lines can wait for
// recognition without their pixels.
struct LineInk {
  int height = 0;  // the crop's rows
  std::vector<int> top, bottom;

  int width() const { return static_cast<int>(top.size()); }
  bool empty() const;
};

// `image` is 8-bit grey or BGR, the crop exactly as the model reads it.
LineInk measure_line_ink(const cv::Mat& image);

// One box per word (crop pixels) for words of `word_chars[i]` characters each, in order; empty
// when there are no words or no ink. A word whose columns hold no ink gets its columns over the
// line's ink rows.
std::vector<cv::Rect> place_words(const LineInk& ink, const std::vector<int>& word_chars);

// A run of columns [begin, end) of a line crop.
struct InkSpan {
  int begin = 0, end = 0;
  int width() const { return end - begin; }
};

// The line's ink cut at its candidate word gaps (the rule above): the runs of ink between them,
// in order, each from its first to its last inked column; empty when the line has no ink.
// Long lines are cut into windows at these gaps (pipeline/line_windows.h).
std::vector<InkSpan> word_segments(const LineInk& ink);

// The line's ink height (its topmost to its lowest ink row, inclusive); 0 without ink.
int ink_height(const LineInk& ink);

// Columns [begin, end) of `ink` (clipped to it), as measure_line_ink would give them for that
// part of the crop had the whole crop been binarised (thresholds stay the whole line's).
LineInk slice_ink(const LineInk& ink, int begin, int end);

// measure_line_ink then place_words.
inline std::vector<cv::Rect> find_word_boxes(const cv::Mat& image,
                                             const std::vector<int>& word_chars) {
  return place_words(measure_line_ink(image), word_chars);
}

}  // namespace mlxocr
