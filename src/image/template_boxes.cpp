#include "image/template_boxes.h"

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/file_util.h"
#include "image/image.h"
#include "image/image_header.h"
#include "mlxocr/error.h"

namespace mlxocr {

cv::Mat load_template(const std::filesystem::path& file, const ImageLimits& limits) {
  const std::string bytes = read_file(file, limits.max_file_bytes);
  const ImageHeader header = read_image_header(bytes, file.string());
  check_image_limits(header, file.string(), limits);
  const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
  cv::Mat decoded = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
  if (decoded.empty()) throw ImageError(file.string() + ": cannot decode the template image");
  if (decoded.depth() == CV_16U) decoded.convertTo(decoded, CV_8U, 1.0 / 257.0);
  cv::Mat bgra;
  switch (decoded.channels()) {
    case 1:
      cv::cvtColor(decoded, bgra, cv::COLOR_GRAY2BGRA);
      break;
    case 3:
      cv::cvtColor(decoded, bgra, cv::COLOR_BGR2BGRA);
      break;
    case 4:
      bgra = decoded;
      break;
    default:
      throw ImageError(file.string() + ": unsupported channel count in template");
  }
  return bgra;
}

cv::Mat red_mask(const cv::Mat& bgra, const TemplateOptions& o) {
  cv::Mat mask;
  cv::inRange(bgra, cv::Scalar(0, 0, o.min_red, o.min_alpha),
              cv::Scalar(o.max_blue, o.max_green, 255, 255), mask);
  return mask;
}

std::vector<Box> reading_order(std::vector<Box> boxes) {
  std::sort(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) {
    return 2 * a.y + a.h < 2 * b.y + b.h;  // by vertical centre
  });
  std::vector<std::vector<Box>> rows;
  for (const Box& box : boxes) {
    bool placed = false;
    if (!rows.empty()) {
      const Box& last = rows.back().front();
      const int overlap = std::min(last.bottom(), box.bottom()) - std::max(last.y, box.y);
      if (2 * overlap >= std::min(last.h, box.h)) {
        rows.back().push_back(box);
        placed = true;
      }
    }
    if (!placed) rows.push_back({box});
  }
  std::vector<Box> ordered;
  for (auto& row : rows) {
    std::sort(row.begin(), row.end(), [](const Box& a, const Box& b) { return a.x < b.x; });
    ordered.insert(ordered.end(), row.begin(), row.end());
  }
  return ordered;
}

std::vector<Box> find_template_boxes(const cv::Mat& bgra, const TemplateOptions& options) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(red_mask(bgra, options), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  std::vector<Box> boxes;
  for (const auto& contour : contours) {
    const cv::Rect r = cv::boundingRect(contour);
    if (r.width < options.min_width || r.height < options.min_height) continue;
    if (r.width > options.max_width_fraction * bgra.cols) continue;
    boxes.push_back({r.x, r.y, r.width, r.height});
  }
  return reading_order(std::move(boxes));
}

}  // namespace mlxocr
