#include "pipeline/pictures.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/file_util.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

const cv::Scalar kRed(40, 40, 230), kBlue(200, 90, 20), kGreen(40, 150, 40);

// OpenCV's Hershey fonts draw ASCII only.
std::string ascii(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = text[i];
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c & 0xC0) != 0x80) {
      out += '?';  // one mark per UTF-8 character
    }
  }
  return out;
}

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

}  // namespace

cv::Mat draw_guides(const cv::Mat& page_bgr, const PageResult& page) {
  cv::Mat out = page_bgr.clone();
  const int thickness = std::max(1, page_bgr.rows / 600);
  for (const FieldResult& f : page.fields) {
    cv::rectangle(out, cv::Rect(f.box.x, f.box.y, f.box.w, f.box.h), kRed, thickness);
    label(out, std::to_string(f.index), {f.box.x + 2, f.box.y - 3}, kRed, font_scale(out));
  }
  return out;
}

cv::Mat draw_annotated(const cv::Mat& page_bgr, const PageResult& page) {
  cv::Mat out = page_bgr.clone();
  const int thickness = std::max(1, page_bgr.rows / 600);
  const double scale = font_scale(out);
  for (const FieldResult& f : page.fields) {
    cv::rectangle(out, cv::Rect(f.box.x, f.box.y, f.box.w, f.box.h), kGreen, thickness);
    label(out, std::to_string(f.index), {f.box.x + 2, f.box.y - 3}, kBlue, scale);
    char confidence[16];
    std::snprintf(confidence, sizeof confidence, " (%.2f)", f.confidence);
    // Form fields sit edge to edge, so their text goes inside the box; page lines have room
    // below them, where the text hides none of the ink.
    const bool form = !page.template_boxes.empty();
    const int text_y = form ? f.box.bottom() - 4 : f.box.bottom() + static_cast<int>(22 * scale);
    label(out, ascii(f.text) + confidence, {f.box.x + 4, text_y}, kBlue, scale);
  }
  return out;
}

void write_png(const std::filesystem::path& file, const cv::Mat& image) {
  std::vector<uint8_t> bytes;
  if (!cv::imencode(".png", image, bytes)) throw FileError(file.string() + ": cannot encode PNG");
  write_file_atomic(file,
                    std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace mlxocr
