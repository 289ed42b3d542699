#include "image/field_labels.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace mlxocr {

namespace {

struct Cluster {
  cv::Rect box;  // of its ink, not of the widened ink that joined it
  int area = 0;
};

// Step 1 of the rule: ink joined across gaps narrower than a sixth of the box's height.
std::vector<Cluster> clusters(const cv::Mat& ink) {
  const int join = std::max(3, ink.rows / 6);
  cv::Mat joined, labels;
  cv::dilate(ink, joined, cv::getStructuringElement(cv::MORPH_RECT, {join, 1}));
  const int count = cv::connectedComponents(joined, labels, 8, CV_32S);
  std::vector<Cluster> found(count);
  std::vector<int> x0(count, ink.cols), y0(count, ink.rows), x1(count, -1), y1(count, -1);
  for (int y = 0; y < ink.rows; ++y) {
    const uchar* in = ink.ptr<uchar>(y);
    const int* label = labels.ptr<int>(y);
    for (int x = 0; x < ink.cols; ++x) {
      if (!in[x]) continue;
      const int l = label[x];
      ++found[l].area;
      x0[l] = std::min(x0[l], x), x1[l] = std::max(x1[l], x);
      y0[l] = std::min(y0[l], y), y1[l] = std::max(y1[l], y);
    }
  }
  std::vector<Cluster> kept;
  const int speck = std::max(4, ink.rows * ink.rows / 400);  // as fit_to_ink's specks
  for (int l = 1; l < count; ++l) {
    if (found[l].area < speck) continue;
    kept.push_back({cv::Rect(x0[l], y0[l], x1[l] - x0[l] + 1, y1[l] - y0[l] + 1), found[l].area});
  }
  return kept;
}

// Step 2: small and at the box's top edge or in its top-left corner.
bool at_edge(const cv::Rect& r, const cv::Size& box) {
  if (r.height * 10 > box.height * 4 || r.y * 4 > box.height) return false;
  return r.x * 8 <= box.width || 2 * (r.y + r.height) <= box.height;
}

bool in_corner(const cv::Rect& r, const cv::Size& box) {
  return r.x * 8 <= box.width && r.y * 6 <= box.height && r.height * 100 <= box.height * 35;
}

// Step 3: smaller than the writing and apart from it.
bool label_beside(const Cluster& label, const std::vector<Cluster>& all) {
  int tallest = 0;
  for (const Cluster& other : all) {
    if (&other == &label) continue;
    tallest = std::max(tallest, other.box.height);
    const cv::Rect touching(label.box.x - 1, label.box.y - 1, label.box.width + 2,
                            label.box.height + 2);
    if ((touching & other.box).area() > 0) return false;
  }
  return label.box.height * 4 <= tallest * 3;
}

}  // namespace

std::vector<cv::Rect> find_box_labels(const cv::Mat& ink) {
  CV_Assert(ink.type() == CV_8UC1);
  std::vector<cv::Rect> labels;
  if (ink.rows < 8 || ink.cols < 8) return labels;
  const std::vector<Cluster> all = clusters(ink);
  for (const Cluster& c : all) {
    if (!at_edge(c.box, ink.size())) continue;
    const bool alone = all.size() == 1;
    if (alone ? in_corner(c.box, ink.size()) : label_beside(c, all)) labels.push_back(c.box);
  }
  // Every cluster a "label" means none is: the rule is for a label beside an answer.
  if (labels.size() == all.size() && all.size() > 1) labels.clear();
  return labels;
}

}  // namespace mlxocr
