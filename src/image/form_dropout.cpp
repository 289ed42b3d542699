#include "image/form_dropout.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "image/ink_fit.h"

namespace mlxocr {

namespace {

// Ink must be this much darker than the paper (as fit_to_ink asks of writing).
constexpr int kMinInkContrast = 40;

// Filling on both sides of a gap across `direction` (a 1 x n or n x 1 line), within its length:
// a morphological closing, which fills gaps no longer than the line.
cv::Mat bridged(const cv::Mat& filling, const cv::Size& direction) {
  cv::Mat closed;
  cv::morphologyEx(filling, closed, cv::MORPH_CLOSE,
                   cv::getStructuringElement(cv::MORPH_RECT, direction));
  return closed;
}

// The ink pieces (8-connected) at least half of whose pixels lie on `printed`: the print itself,
// and filling that touches it (a stroke crossing a line is one piece with the line). A piece
// mostly off the print is filling that the widened print only grazes, and is kept whole.
cv::Mat mostly_printed(const cv::Mat& ink, const cv::Mat& printed) {
  cv::Mat labels;
  const int count = cv::connectedComponents(ink, labels, 8, CV_32S);
  std::vector<int> total(count, 0), covered(count, 0);
  for (int y = 0; y < ink.rows; ++y) {
    const int* label = labels.ptr<int>(y);
    const uchar* on = printed.ptr<uchar>(y);
    for (int x = 0; x < ink.cols; ++x) {
      ++total[label[x]];
      covered[label[x]] += on[x] != 0;
    }
  }
  cv::Mat out(ink.size(), CV_8UC1, cv::Scalar(0));
  for (int y = 0; y < ink.rows; ++y) {
    const int* label = labels.ptr<int>(y);
    uchar* row = out.ptr<uchar>(y);
    for (int x = 0; x < ink.cols; ++x)
      row[x] = label[x] && 2 * covered[label[x]] >= total[label[x]] ? 255 : 0;
  }
  return out;
}

}  // namespace

int dropout_tolerance(const cv::Size& size) {
  return std::max(2, static_cast<int>(std::lround(0.0012 * std::max(size.width, size.height))));
}

cv::Mat frame_ink(const cv::Mat& gray) {
  CV_Assert(gray.type() == CV_8UC1);
  std::optional<cv::Mat> ink = binarise_ink(gray, kMinInkContrast);
  return ink ? *ink : cv::Mat(gray.size(), CV_8UC1, cv::Scalar(0));
}

cv::Mat widen(const cv::Mat& printed, int tolerance) {
  if (tolerance <= 0) return printed.clone();
  cv::Mat out;
  cv::dilate(printed, out,
             cv::getStructuringElement(cv::MORPH_RECT, {2 * tolerance + 1, 2 * tolerance + 1}));
  return out;
}

cv::Mat ink_to_remove(const cv::Mat& ink, const cv::Mat& printed, int bridge) {
  CV_Assert(ink.size() == printed.size());
  const cv::Mat under = ink & printed & mostly_printed(ink, printed);
  const cv::Mat filling = ink & ~under;
  const int n = 2 * bridge + 1;
  const cv::Mat crossing = (bridged(filling, {1, n}) | bridged(filling, {n, 1})) & under;
  return under & ~crossing;
}

cv::Mat resized_mask(const cv::Mat& mask, cv::Size size) {
  if (mask.size() == size) return mask.clone();
  cv::Mat out;
  // Area averaging, then any ink at all: a 1-px line survives a reduction.
  cv::resize(mask, out, size, 0, 0, cv::INTER_AREA);
  return out > 0;
}

FormVote::FormVote(cv::Size size) : counts_(size, CV_16UC1, cv::Scalar(0)) {}

void FormVote::add(const cv::Mat& ink) {
  const cv::Mat scaled = resized_mask(ink, counts_.size());
  if (scans_ == std::numeric_limits<std::uint16_t>::max()) return;  // the share is settled
  cv::add(counts_, cv::Scalar(1), counts_, scaled);
  ++scans_;
}

cv::Mat FormVote::form(double share, cv::Size size) const {
  cv::Mat mask;
  const double needed = std::max(1.0, std::ceil(share * scans_));
  cv::compare(counts_, needed - 0.5, mask, cv::CMP_GT);
  return resized_mask(mask, size);
}

}  // namespace mlxocr
