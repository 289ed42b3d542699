#include "train/plot.h"

#include <algorithm>
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "core/file_util.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

using Points = std::vector<std::pair<double, double>>;

struct Series {
  Points points;
  cv::Scalar colour;
  int thickness;
};

// The mean of the last `window` values at every point: the trend under per-step noise.
Points moving_average(const Points& points, size_t window) {
  Points out;
  double sum = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    sum += points[i].second;
    if (i >= window) sum -= points[i - window].second;
    out.emplace_back(points[i].first, sum / static_cast<double>(std::min(i + 1, window)));
  }
  return out;
}

// One panel: axes, min/max labels (of the first series), each series as a polyline (with dots
// when it has few points).
void draw_panel(cv::Mat& canvas, cv::Rect area, const std::string& title,
                const std::vector<Series>& series) {
  const Points& points = series.front().points;
  const cv::Scalar ink(40, 40, 40), grid(220, 220, 220);
  const int left = area.x + 70, right = area.x + area.width - 20;
  const int top = area.y + 30, bottom = area.y + area.height - 35;
  cv::putText(canvas, title, {area.x + 10, area.y + 20}, cv::FONT_HERSHEY_SIMPLEX, 0.55, ink, 1,
              cv::LINE_AA);
  cv::rectangle(canvas, {left, top}, {right, bottom}, grid, 1);
  if (points.empty()) {
    cv::putText(canvas, "no data", {(left + right) / 2 - 30, (top + bottom) / 2},
                cv::FONT_HERSHEY_SIMPLEX, 0.5, ink, 1, cv::LINE_AA);
    return;
  }
  double x0 = points.front().first, x1 = points.back().first;
  double y0 = points.front().second, y1 = y0;
  for (const auto& [x, y] : points) {
    x0 = std::min(x0, x);
    x1 = std::max(x1, x);
    y0 = std::min(y0, y);
    y1 = std::max(y1, y);
  }
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  for (const Series& s : series) {
    std::vector<cv::Point> line;
    for (const auto& [x, y] : s.points) {
      line.emplace_back(left + static_cast<int>((x - x0) / (x1 - x0) * (right - left)),
                        bottom - static_cast<int>((y - y0) / (y1 - y0) * (bottom - top)));
    }
    cv::polylines(canvas, line, false, s.colour, s.thickness, cv::LINE_AA);
    if (line.size() <= 30)
      for (const cv::Point& p : line)
        cv::circle(canvas, p, 3, s.colour, cv::FILLED, cv::LINE_AA);
  }
  const double font = 0.4;
  cv::putText(canvas, number(y1), {area.x + 5, top + 5}, cv::FONT_HERSHEY_SIMPLEX, font, ink, 1,
              cv::LINE_AA);
  cv::putText(canvas, number(y0), {area.x + 5, bottom}, cv::FONT_HERSHEY_SIMPLEX, font, ink, 1,
              cv::LINE_AA);
  cv::putText(canvas, "step " + number(x0), {left, bottom + 18}, cv::FONT_HERSHEY_SIMPLEX, font,
              ink, 1, cv::LINE_AA);
  cv::putText(canvas, "step " + number(x1), {right - 70, bottom + 18}, cv::FONT_HERSHEY_SIMPLEX,
              font, ink, 1, cv::LINE_AA);
}

}  // namespace

void write_training_plot(const std::filesystem::path& file, const TrainingCurves& curves) {
  const int width = 800, panel = 260;
  cv::Mat canvas(panel * 2, width, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Scalar blue(200, 90, 30), pale_blue(240, 215, 190), red(40, 40, 200);
  if (curves.loss.size() > 100) {
    // Per-step losses of small batches are noisy; the trend is what a reader looks for.
    const size_t window = curves.loss.size() / 50;
    draw_panel(
        canvas, {0, 0, width, panel},
        "training loss (pale: every step; dark: mean of " + std::to_string(window) + " steps)",
        {{curves.loss, pale_blue, 1}, {moving_average(curves.loss, window), blue, 2}});
  } else {
    draw_panel(canvas, {0, 0, width, panel}, "training loss", {{curves.loss, blue, 2}});
  }
  draw_panel(canvas, {0, panel, width, panel}, "eval CER", {{curves.cer, red, 2}});
  std::vector<unsigned char> png;
  if (!cv::imencode(".png", canvas, png))
    throw FileError(file.string() + ": cannot encode the training plot");
  write_file_atomic(file, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
}

}  // namespace mlxocr
