// Page layout from Tesseract's own page segmentation (TessBaseAPI::AnalyseLayout, no
// recognition): text blocks, paragraphs and lines with baselines in Tesseract's reading order;
// pictures, separators and other non-text blocks are left out. Orientation and script
// detection (osd.traineddata, Debian tesseract-ocr-osd) turns a page lying at 90/180/270
// degrees upright first.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "mlxocr/box.h"

namespace mlxocr {

struct LayoutLine {
  Box box;                                 // in the upright page's pixels
  cv::Point baseline_start;                // left end of the baseline, upright page's pixels
  cv::Point baseline_end;                  // right end
  int block = 0, paragraph = 0, line = 0;  // 1-based; paragraph within block, line within
                                           // paragraph
};

struct PageLayout {
  // Clockwise degrees (0, 90, 180, 270) the page was turned to make its text upright.
  int rotation_degrees = 0;
  double orientation_confidence = 0;  // Tesseract's OSD confidence; 0 when OSD found nothing
  std::string note;                   // why the page was not turned, when OSD was unsure
  cv::Mat upright;                    // the page as the lines' boxes refer to it (gray)
  std::vector<LayoutLine> lines;      // in reading order
};

// The resolutions Tesseract believes (its kMinCredibleResolution, kMaxCredibleResolution);
// outside them it assumes 70 dpi and estimates the resolution from the text's size.
inline constexpr int kMinTesseractDpi = 70, kMaxTesseractDpi = 2400;

struct TesseractLayoutOptions {
  bool detect_orientation = true;
  // The page's resolution when nothing better is known: 0 lets Tesseract estimate it from the
  // text's size, as `tesseract` does for files that carry none. Its column and line finding
  // scale with the resolution, and a wrong one breaks them: avicanon-006 (bench/PAGES.md),
  // whose text is small for 300 dpi, lost half of its lines and had 13 merged across the
  // columns when 300 dpi was assumed.
  int dpi = 0;
  // OSD's orientation confidence below which the page is left as it is. OCRmyPDF's default
  // (--rotate-pages-threshold 14) for the same Tesseract value.
  double min_orientation_confidence = 14.0;
};

class TesseractLayout {
 public:
  // Throws ConfigError when Tesseract cannot start, or when orientation detection is asked for
  // and osd.traineddata is missing.
  explicit TesseractLayout(const TesseractLayoutOptions& options = {});
  ~TesseractLayout();
  TesseractLayout(const TesseractLayout&) = delete;
  TesseractLayout& operator=(const TesseractLayout&) = delete;

  // `gray` is an 8-bit one-channel page. `name` names it in errors. `dpi`: the page's known
  // resolution (a PDF's rendering, the file's own); 0 for options' dpi. Values Tesseract does
  // not believe (outside kMinTesseractDpi..kMaxTesseractDpi) count as unknown.
  PageLayout analyse(const cv::Mat& gray, const std::string& name, int dpi = 0);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Turns `gray` clockwise by a multiple of 90 degrees.
cv::Mat rotate_clockwise(const cv::Mat& gray, int degrees);

// Where a box of a page turned clockwise by `degrees` lies on the page before turning
// (`width` x `height`: the original page's size).
Box unrotate_box(const Box& box, int degrees, int width, int height);
cv::Point unrotate_point(const cv::Point& point, int degrees, int width, int height);

}  // namespace mlxocr
