#include "image/field_ink.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace mlxocr {

namespace {

cv::Rect component_box(const cv::Mat& stats, int label) {
  return {stats.at<int>(label, cv::CC_STAT_LEFT), stats.at<int>(label, cv::CC_STAT_TOP),
          stats.at<int>(label, cv::CC_STAT_WIDTH), stats.at<int>(label, cv::CC_STAT_HEIGHT)};
}

}  // namespace

FieldInk::FieldInk(const cv::Mat& writing, std::vector<cv::Rect> boxes)
    : boxes_(std::move(boxes)), in_box_(boxes_.size()) {
  CV_Assert(writing.type() == CV_8UC1);
  cv::Mat centroids;
  cv::connectedComponentsWithStats(writing, labels_, stats_, centroids, 8, CV_32S);
  const cv::Rect frame(0, 0, writing.cols, writing.rows);
  for (size_t b = 0; b < boxes_.size(); ++b) {
    const cv::Rect r = boxes_[b] & frame;
    for (int y = r.y; y < r.y + r.height; ++y) {
      const int* row = labels_.ptr<int>(y);
      for (int x = r.x; x < r.x + r.width; ++x)
        if (row[x]) ++in_box_[b][row[x]];
    }
  }
}

// A piece of writing belongs to the box that holds most of it (ties: to each of them).
bool FieldInk::belongs(int label, size_t index) const {
  const auto own = in_box_[index].find(label);
  const int mine = own == in_box_[index].end() ? 0 : own->second;
  for (size_t b = 0; b < in_box_.size(); ++b) {
    if (b == index) continue;
    const auto other = in_box_[b].find(label);
    if (other != in_box_[b].end() && other->second > mine) return false;
  }
  return true;
}

FieldCut FieldInk::cut(size_t index, const cv::Rect& inside, int reach) const {
  const cv::Rect frame(0, 0, labels_.cols, labels_.rows);
  const cv::Rect& box = boxes_[index];
  const cv::Rect bound =
      cv::Rect(box.x - reach, box.y - reach, box.width + 2 * reach, box.height + 2 * reach) & frame;
  const cv::Rect in = inside & frame;
  std::vector<int> mine;
  for (int y = in.y; y < in.y + in.height; ++y) {
    const int* row = labels_.ptr<int>(y);
    for (int x = in.x; x < in.x + in.width; ++x)
      if (row[x] && std::find(mine.begin(), mine.end(), row[x]) == mine.end())
        mine.push_back(row[x]);
  }
  cv::Rect rect = in;
  std::vector<int> kept;
  for (const int label : mine) {
    if (!belongs(label, index)) continue;
    kept.push_back(label);
    rect |= component_box(stats_, label) & bound;
  }
  FieldCut cut{rect, cv::Mat(rect.size(), CV_8UC1, cv::Scalar(0))};
  for (int y = 0; y < rect.height; ++y) {
    const int* row = labels_.ptr<int>(rect.y + y);
    uchar* out = cut.foreign.ptr<uchar>(y);
    for (int x = 0; x < rect.width; ++x) {
      const int label = row[rect.x + x];
      if (label && std::find(kept.begin(), kept.end(), label) == kept.end()) out[x] = 255;
    }
  }
  return cut;
}

}  // namespace mlxocr
