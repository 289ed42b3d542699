#include "pipeline/picture_text.h"

#include <filesystem>
#include <iostream>
#include <mutex>
#include <opencv2/freetype.hpp>
#include <opencv2/imgproc.hpp>

namespace mlxocr {

namespace {

cv::Ptr<cv::freetype::FreeType2> load_font() {
  cv::Ptr<cv::freetype::FreeType2> face;
  std::error_code ec;
  if (std::filesystem::is_regular_file(kPictureFontFile, ec)) {
    try {
      face = cv::freetype::createFreeType2();
      face->loadFontData(kPictureFontFile, 0);
    } catch (const cv::Exception&) {
      face.release();
    }
  }
  if (!face) {
    std::cerr << "mlxocr: warning: " << kPictureFontFile
              << " not loaded (install fonts-dejavu-core); pictures show ASCII text only\n";
  }
  return face;
}

// The font is parsed once per process; FreeType2 keeps state between calls, so drawing holds a
// lock (pictures may be written from several threads).
struct PictureFont {
  cv::Ptr<cv::freetype::FreeType2> face = load_font();
  std::mutex mutex;
};

PictureFont& picture_font() {
  static PictureFont font;
  return font;
}

// OpenCV's Hershey fonts draw ASCII only.
std::string ascii(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    const unsigned char c = ch;
    if (c < 0x80) {
      out += ch;
    } else if ((c & 0xC0) != 0x80) {
      out += '?';  // one mark per UTF-8 character
    }
  }
  return out;
}

// Draws onto `canvas` (white, the box's size) with the text's height fitted to it.
void draw_fitted(cv::Mat& canvas, const std::string& text, const cv::Scalar& colour) {
  const int margin = std::max(1, canvas.rows / 10);
  const int avail_w = std::max(1, canvas.cols - 2 * margin);
  const int avail_h = std::max(1, canvas.rows - 2 * margin);
  PictureFont& font = picture_font();
  int baseline = 0;
  if (font.face) {
    const std::lock_guard<std::mutex> lock(font.mutex);
    // FreeType2 puts the top of the em box at `org`, the baseline one height below it and
    // descenders down to ~1.24 heights (DejaVu Sans): a height of 0.8 of the room fits them.
    int height = std::max(1, avail_h * 4 / 5);
    const cv::Size size = font.face->getTextSize(text, height, -1, &baseline);
    if (size.width > avail_w) height = std::max(1, height * avail_w / size.width);
    const int y = margin + (avail_h - height * 5 / 4) / 2;
    font.face->putText(canvas, text, {margin, y}, height, colour, -1, cv::LINE_AA, false);
    return;
  }
  const std::string shown = ascii(text);
  const int face = cv::FONT_HERSHEY_SIMPLEX;
  double scale = cv::getFontScaleFromHeight(face, avail_h, 1);
  cv::Size size = cv::getTextSize(shown, face, scale, 1, &baseline);
  if (size.width > avail_w) {
    scale *= static_cast<double>(avail_w) / size.width;
    size = cv::getTextSize(shown, face, scale, 1, &baseline);
  }
  const int y = margin + (avail_h - size.height - baseline) / 2 + size.height;
  cv::putText(canvas, shown, {margin, y}, face, scale, colour, 1, cv::LINE_AA);
}

}  // namespace

bool picture_font_loaded() {
  return static_cast<bool>(picture_font().face);
}

void draw_text_in_box(cv::Mat& image, const std::string& text, const Box& box,
                      const cv::Scalar& colour) {
  const cv::Rect rect =
      cv::Rect(box.x, box.y, box.w, box.h) & cv::Rect(0, 0, image.cols, image.rows);
  if (text.empty() || rect.width < 2 || rect.height < 2) return;
  // Drawn on a canvas of the box's own size, so nothing can spill onto a neighbour; the darker
  // of canvas and picture is kept, so overlapping boxes keep both texts.
  cv::Mat canvas(rect.size(), image.type(), cv::Scalar::all(255));
  draw_fitted(canvas, text, colour);
  cv::Mat target = image(rect);
  cv::min(target, canvas, target);
}

}  // namespace mlxocr
