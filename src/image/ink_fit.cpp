#include "image/ink_fit.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace mlxocr {

namespace {

// Ink must be this much darker than the paper: scan noise and paper texture stay below it.
constexpr int kMinInkContrast = 40;

struct Blob {
  cv::Rect box;
  int area = 0;
};

// Clears rows and columns near the crop's edges that are inked along most of their length: a
// box outline that alignment slop left inside the inset. Rows and columns further in are kept
// (a tall letter can ink most of a short crop's column; an underline is part of a field).
void clear_edge_lines(cv::Mat& ink) {
  const int band_y = std::max(2, ink.rows / 8), band_x = std::max(2, ink.rows / 4);
  for (int y = 0; y < ink.rows; ++y) {
    if (y >= band_y && y < ink.rows - band_y) continue;
    if (cv::countNonZero(ink.row(y)) > ink.cols / 2) ink.row(y).setTo(0);
  }
  for (int x = 0; x < ink.cols; ++x) {
    if (x >= band_x && x < ink.cols - band_x) continue;
    if (cv::countNonZero(ink.col(x)) > ink.rows * 6 / 10) ink.col(x).setTo(0);
  }
}

// Connected ink of at least `min_area` pixels (smaller ones are specks).
std::vector<Blob> blobs(const cv::Mat& ink, int min_area) {
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  std::vector<Blob> found;
  for (int i = 1; i < count; ++i) {  // label 0 is the paper
    const int area = stats.at<int>(i, cv::CC_STAT_AREA);
    if (area < min_area) continue;
    const cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                       stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    found.push_back({box, area});
  }
  return found;
}

// The blobs' bounding box along the run of blobs, left to right, that holds the most ink; runs
// are split where the gap is wider than six letter heights (words are far closer than that).
std::optional<cv::Rect> main_run(std::vector<Blob> found) {
  if (found.empty()) return std::nullopt;
  std::sort(found.begin(), found.end(),
            [](const Blob& a, const Blob& b) { return a.box.x < b.box.x; });
  std::vector<int> heights;
  for (const Blob& blob : found)
    heights.push_back(blob.box.height);
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  const int max_gap = std::max(4, 6 * heights[heights.size() / 2]);

  cv::Rect best, run = found[0].box;
  int best_area = -1, run_area = found[0].area;
  for (size_t i = 1; i <= found.size(); ++i) {
    if (i < found.size() && found[i].box.x <= run.x + run.width + max_gap) {
      run |= found[i].box;
      run_area += found[i].area;
      continue;
    }
    if (run_area > best_area) {
      best = run;
      best_area = run_area;
    }
    if (i < found.size()) {
      run = found[i].box;
      run_area = found[i].area;
    }
  }
  // Too little ink for a character: marks of a scan, not writing.
  if (best_area < std::max(12, best.height * best.height / 12)) return std::nullopt;
  return best;
}

}  // namespace

int median_level(const cv::Mat& gray) {
  int histogram[256] = {};
  for (int y = 0; y < gray.rows; ++y) {
    const std::uint8_t* row = gray.ptr<std::uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x)
      ++histogram[row[x]];
  }
  const int half = gray.rows * gray.cols / 2;
  int seen = 0;
  for (int level = 0; level < 256; ++level) {
    seen += histogram[level];
    if (seen > half) return level;
  }
  return 255;
}

std::optional<cv::Mat> binarise_ink(const cv::Mat& gray, int min_contrast) {
  cv::Mat ink;
  const double otsu = cv::threshold(gray, ink, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  // On a binarised crop (paper 255, ink 0) Otsu's threshold is 0: ink is then exactly 0.
  const double level = std::min(otsu, static_cast<double>(median_level(gray) - min_contrast));
  if (level < 0) return std::nullopt;
  cv::threshold(gray, ink, level, 255, cv::THRESH_BINARY_INV);  // ink: at most `level`
  return ink;
}

std::optional<cv::Rect> find_ink(const cv::Mat& gray) {
  CV_Assert(gray.type() == CV_8UC1);
  if (gray.rows < 4 || gray.cols < 4) return std::nullopt;
  std::optional<cv::Mat> ink = binarise_ink(gray, kMinInkContrast);
  if (!ink) return std::nullopt;
  clear_edge_lines(*ink);
  return main_run(blobs(*ink, std::max(3, gray.rows * gray.rows / 400)));
}

cv::Mat fit_to_ink(const cv::Mat& bgr, const InkFitOptions& options, cv::Rect* kept) {
  CV_Assert(bgr.type() == CV_8UC3);
  cv::Mat gray;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  const std::optional<cv::Rect> ink = find_ink(gray);
  if (kept) *kept = cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (!ink) return bgr;

  const int height = ink->height;
  const int pad_y = static_cast<int>(std::lround(options.margin_y * height));
  const int pad_x = static_cast<int>(std::lround(options.margin_x * height));
  const cv::Rect want(ink->x - pad_x, ink->y - pad_y, ink->width + 2 * pad_x, height + 2 * pad_y);
  if (kept) *kept = want;
  const cv::Scalar paper = cv::mean(bgr, gray >= median_level(gray));
  cv::Mat out(want.size(), CV_8UC3, paper);
  const cv::Rect inside = want & cv::Rect(0, 0, bgr.cols, bgr.rows);
  bgr(inside).copyTo(
      out(cv::Rect(inside.x - want.x, inside.y - want.y, inside.width, inside.height)));
  return out;
}

}  // namespace mlxocr
