#include "image/tesseract_layout.h"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/publictypes.h>

#include <opencv2/core.hpp>

#include "mlxocr/error.h"

namespace mlxocr {

namespace {

// Tesseract prints its warnings (e.g. "Invalid resolution") through tprintf to debug_file.
void silence(tesseract::TessBaseAPI& api) {
  api.SetVariable("debug_file", "/dev/null");
}

// A raw image carries no resolution; without one Tesseract estimates it from the text's size
// (pagesegmain.cpp, line size x kResolutionEstimationFactor), exactly what the `tesseract`
// command does for a file without one. Only a resolution it would believe is passed on.
void set_page(tesseract::TessBaseAPI& api, const cv::Mat& gray, int dpi) {
  api.SetImage(gray.data, gray.cols, gray.rows, 1, static_cast<int>(gray.step));
  if (dpi >= kMinTesseractDpi && dpi <= kMaxTesseractDpi) api.SetSourceResolution(dpi);
}

Box box_of(const tesseract::PageIterator& it) {
  int left = 0, top = 0, right = 0, bottom = 0;
  it.BoundingBox(tesseract::RIL_TEXTLINE, &left, &top, &right, &bottom);
  return {left, top, right - left, bottom - top};
}

}  // namespace

struct TesseractLayout::Impl {
  TesseractLayoutOptions options;
  tesseract::TessBaseAPI layout_api;
  tesseract::TessBaseAPI osd_api;

  // Clockwise degrees that make the page upright, or 0 with a note when OSD is unsure.
  int orientation(const cv::Mat& gray, int dpi, PageLayout& page) {
    set_page(osd_api, gray, dpi);
    int orient_deg = 0;
    float orient_conf = 0, script_conf = 0;
    const char* script = nullptr;
    const bool found =
        osd_api.DetectOrientationScript(&orient_deg, &orient_conf, &script, &script_conf);
    osd_api.Clear();
    if (!found) {
      page.note = "orientation not detected (too little text for Tesseract's OSD); page read as is";
      return 0;
    }
    page.orientation_confidence = orient_conf;
    if (orient_deg % 360 == 0) return 0;
    if (orient_conf < options.min_orientation_confidence) {
      page.note = "OSD suggests turning the page by " + std::to_string(orient_deg) +
                  " degrees with confidence " + std::to_string(orient_conf) +
                  ", below the threshold; page read as is";
      return 0;
    }
    // DetectOrientationScript gives how far the page was turned clockwise from upright;
    // turning it back is that angle counter-clockwise.
    return (360 - orient_deg % 360) % 360;
  }

  void read_lines(const cv::Mat& gray, int dpi, PageLayout& page) {
    set_page(layout_api, gray, dpi);
    std::unique_ptr<tesseract::PageIterator> it(layout_api.AnalyseLayout());
    if (!it) {
      layout_api.Clear();
      return;  // nothing on the page
    }
    int block = 0, paragraph = 0, line = 0;
    bool text_block = false;
    it->Begin();
    do {
      if (it->Empty(tesseract::RIL_BLOCK)) continue;
      if (it->IsAtBeginningOf(tesseract::RIL_BLOCK)) {
        text_block = PTIsTextType(it->BlockType());
        if (text_block) ++block, paragraph = 0;
      }
      if (!text_block) continue;  // pictures, rules and separators are not read
      if (it->IsAtBeginningOf(tesseract::RIL_PARA) || paragraph == 0) ++paragraph, line = 0;
      LayoutLine out;
      out.box = box_of(*it);
      if (out.box.w <= 0 || out.box.h <= 0) continue;
      int x1 = 0, y1 = 0, x2 = 0, y2 = 0;
      if (it->Baseline(tesseract::RIL_TEXTLINE, &x1, &y1, &x2, &y2)) {
        out.baseline_start = {x1, y1};
        out.baseline_end = {x2, y2};
      } else {
        out.baseline_start = {out.box.x, out.box.bottom()};
        out.baseline_end = {out.box.right(), out.box.bottom()};
      }
      out.block = block, out.paragraph = paragraph, out.line = ++line;
      page.lines.push_back(out);
    } while (it->Next(tesseract::RIL_TEXTLINE));
    it.reset();
    layout_api.Clear();
  }
};

TesseractLayout::TesseractLayout(const TesseractLayoutOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  setMsgSeverity(L_SEVERITY_NONE);  // Leptonica's own messages on odd images
  silence(impl_->layout_api);
  impl_->layout_api.InitForAnalysePage();
  impl_->layout_api.SetPageSegMode(tesseract::PSM_AUTO);
  if (options.detect_orientation) {
    silence(impl_->osd_api);
    // osd.traineddata only; no language data is needed for orientation.
    if (impl_->osd_api.Init(nullptr, "osd", tesseract::OEM_TESSERACT_ONLY) != 0) {
      throw ConfigError(
          "orientation detection needs Tesseract's osd.traineddata (Debian: tesseract-ocr-osd; "
          "or set TESSDATA_PREFIX to the folder holding it)");
    }
    impl_->osd_api.SetPageSegMode(tesseract::PSM_OSD_ONLY);
  }
}

TesseractLayout::~TesseractLayout() = default;

PageLayout TesseractLayout::analyse(const cv::Mat& gray, const std::string& name, int dpi) {
  if (gray.empty() || gray.type() != CV_8UC1) {
    throw ImageError(name + ": layout analysis needs an 8-bit gray page");
  }
  const int resolution = dpi > 0 ? dpi : impl_->options.dpi;
  PageLayout page;
  if (impl_->options.detect_orientation) {
    page.rotation_degrees = impl_->orientation(gray, resolution, page);
  }
  page.upright = page.rotation_degrees ? rotate_clockwise(gray, page.rotation_degrees) : gray;
  if (!page.upright.isContinuous()) page.upright = page.upright.clone();
  impl_->read_lines(page.upright, resolution, page);
  return page;
}

cv::Mat rotate_clockwise(const cv::Mat& gray, int degrees) {
  cv::Mat out;
  switch (((degrees % 360) + 360) % 360) {
    case 90:
      cv::rotate(gray, out, cv::ROTATE_90_CLOCKWISE);
      return out;
    case 180:
      cv::rotate(gray, out, cv::ROTATE_180);
      return out;
    case 270:
      cv::rotate(gray, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      return out;
    default:
      return gray;
  }
}

cv::Point unrotate_point(const cv::Point& p, int degrees, int width, int height) {
  // (x, y) on the turned page; (u, v) on the original of size width x height.
  switch (((degrees % 360) + 360) % 360) {
    case 90:  // turned clockwise: x = height - 1 - v, y = u
      return {p.y, height - p.x};
    case 180:
      return {width - p.x, height - p.y};
    case 270:  // turned counter-clockwise: x = v, y = width - 1 - u
      return {width - p.y, p.x};
    default:
      return p;
  }
}

Box unrotate_box(const Box& box, int degrees, int width, int height) {
  const cv::Point a = unrotate_point({box.x, box.y}, degrees, width, height);
  const cv::Point b = unrotate_point({box.right(), box.bottom()}, degrees, width, height);
  const int x = std::min(a.x, b.x), y = std::min(a.y, b.y);
  return {x, y, std::max(a.x, b.x) - x, std::max(a.y, b.y) - y};
}

}  // namespace mlxocr
