#include "pipeline/pictures.h"

#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/file_util.h"
#include "mlxocr/error.h"
#include "pipeline/picture_text.h"

namespace mlxocr {

namespace {

const cv::Scalar kRed(40, 40, 230);

double font_scale(const cv::Mat& page) {
  return std::max(0.4, page.rows / 1400.0);
}

void label(cv::Mat& image, const std::string& text, cv::Point at, const cv::Scalar& colour,
           double scale) {
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &baseline);
  cv::rectangle(image, at + cv::Point(0, baseline), at + cv::Point(size.width, -size.height),
                cv::Scalar(255, 255, 255), cv::FILLED);
  cv::putText(image, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv::LINE_AA);
}

cv::Rect rect(const Box& b) {
  return {b.x, b.y, b.w, b.h};
}

// Blocks (Tesseract layout only: block > 0) as the union of their lines' boxes.
std::map<int, cv::Rect> block_outlines(const PageResult& page) {
  std::map<int, cv::Rect> blocks;
  for (const FieldResult& f : page.fields) {
    if (f.block <= 0) continue;
    auto [it, fresh] = blocks.try_emplace(f.block, rect(f.box));
    if (!fresh) it->second |= rect(f.box);
  }
  return blocks;
}

// Left panel: the page, its blocks, its numbered lines (fields) and their words.
void draw_layout(cv::Mat& panel, const PageResult& page) {
  const int thickness = std::max(1, panel.rows / 600);
  const int pad = 2 * thickness + 2;  // a block's outline clears its lines' outlines
  for (const auto& [block, r] : block_outlines(page)) {
    const cv::Rect padded(r.x - pad, r.y - pad, r.width + 2 * pad, r.height + 2 * pad);
    cv::rectangle(panel, padded, kPictureBlockColour, thickness);
  }
  for (const FieldResult& f : page.fields) {
    const bool low = f.confidence < kPictureLowConfidence;
    cv::rectangle(panel, rect(f.box), low ? kPictureWarningColour : kPictureLineColour, thickness);
  }
  const double scale = font_scale(panel);
  for (const FieldResult& f : page.fields) {
    label(panel, std::to_string(f.index), {f.box.x + 2, f.box.y - 3}, kPictureLineColour, scale);
  }
  // Words last and thin: their edges stay visible where they meet a line's edge.
  for (const FieldResult& f : page.fields) {
    for (const WordResult& w : f.words) {
      const bool low = w.confidence < kPictureLowConfidence;
      cv::rectangle(panel, rect(w.box), low ? kPictureWarningColour : kPictureWordColour, 1);
    }
  }
}

// Right panel: white, each line's (field's) text inside its own box.
void draw_text_panel(cv::Mat& panel, const PageResult& page) {
  for (const FieldResult& f : page.fields) {
    const bool low = f.confidence < kPictureLowConfidence;
    draw_text_in_box(panel, f.text, f.box, low ? kPictureWarningColour : kPictureTextColour);
  }
}

}  // namespace

cv::Mat draw_guides(const cv::Mat& page_bgr, const PageResult& page) {
  cv::Mat out = page_bgr.clone();
  // What drop-out left out, still visible but plainly not read.
  const cv::Rect all(0, 0, out.cols, out.rows);
  for (const PixelRun& run : page.dropped) {
    const cv::Rect r = cv::Rect(run.x, run.y, run.length, 1) & all;
    if (r.area() > 0) out(r).setTo(kPictureDroppedColour);
  }
  const int thickness = std::max(1, page_bgr.rows / 600);
  for (const FieldResult& f : page.fields) {
    cv::rectangle(out, rect(f.box), kRed, thickness);
    label(out, std::to_string(f.index), {f.box.x + 2, f.box.y - 3}, kRed, font_scale(out));
  }
  return out;
}

cv::Mat draw_annotated(const cv::Mat& page_bgr, const PageResult& page) {
  cv::Mat left = page_bgr.clone();
  draw_layout(left, page);
  cv::Mat right(page_bgr.size(), page_bgr.type(), cv::Scalar::all(255));
  draw_text_panel(right, page);
  cv::Mat out;
  cv::hconcat(left, right, out);
  return out;
}

void write_png(const std::filesystem::path& file, const cv::Mat& image) {
  std::vector<uint8_t> bytes;
  if (!cv::imencode(".png", image, bytes)) throw FileError(file.string() + ": cannot encode PNG");
  write_file_atomic(file,
                    std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace mlxocr
