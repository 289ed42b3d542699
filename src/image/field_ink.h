// Ink that belongs to a form's field: writing that starts inside a box and runs across its
// outline (a name sitting on the bottom line, tall capitals, descenders) is followed, as
// connected ink, past the outline and kept whole in the field's crop — without taking writing
// that belongs to a neighbouring field (docs/forms.md, "Drop-out and ink following").
#pragma once

#include <opencv2/core.hpp>
#include <unordered_map>
#include <vector>

namespace mlxocr {

// Where to cut one field, in frame pixels: `rect` holds the box's inside and every piece of
// writing that belongs to the field (bounded); `foreign` (rect's size, 255 = set) is the ink in
// `rect` that is not the field's — a neighbour's writing, ink outside the box that does not touch
// the field's — to be painted as paper.
struct FieldCut {
  cv::Rect rect;
  cv::Mat foreign;
};

class FieldInk {
 public:
  // `writing`: the frame's ink with the outlines (and the printed form, when known) removed;
  // `boxes`: every field's box (outline included) in the same frame.
  FieldInk(const cv::Mat& writing, std::vector<cv::Rect> boxes);

  // The cut of field `index`: `inside` (the box less its inset) grown by the connected pieces of
  // writing that touch it and lie more in this box than in any other, each at most `reach`
  // pixels beyond the box (the rest of such a piece is cut off).
  FieldCut cut(size_t index, const cv::Rect& inside, int reach) const;

 private:
  bool belongs(int label, size_t index) const;

  cv::Mat labels_, stats_;                            // connected components of the writing
  std::vector<cv::Rect> boxes_;                       // the fields' boxes
  std::vector<std::unordered_map<int, int>> in_box_;  // per box: label -> its pixels inside
};

}  // namespace mlxocr
