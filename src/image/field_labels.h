// Printed labels inside a form's box ("Name", "Date of birth", a field number in a corner), found
// without a blank form: with one scan and no --blank nothing tells printed from written, so the
// label is recognised by where it sits and how big it is (docs/forms.md, "Drop-out and ink
// following").
//
// The rule, on the ink of one box (its outline removed):
// 1. Ink is grouped into clusters: connected components joined when they are closer side by side
//    than a sixth of the box's height (letters and words of one line join; a label and the
//    writing, further apart, do not).
// 2. A cluster is a label when it is small — at most 40 % of the box's height — and sits at the
//    box's edge: its top within the top quarter of the box, and either its left within the left
//    eighth of the box or its bottom above the box's middle (a label runs along the top edge or
//    stands in the top-left corner).
// 3. When other ink remains (the writing), the label must also be smaller than it (at most
//    three quarters of the tallest other cluster's height) and apart from it (their boxes do not
//    touch). When it is the only ink in the box it must stand in the top-left corner (left within
//    the left eighth, top within the top sixth, at most 35 % of the height): a small word written
//    there is more likely an answer than a label.
// Whatever the rule finds is left out of the crop, so a mis-taken answer is lost: the rule keeps to
// the corner and the top edge, where people rarely start writing in a box meant for them.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

namespace mlxocr {

// The rectangles (in `ink`'s pixels) of the labels found in a box whose ink is `ink` (8-bit, 255
// = ink; the box's inside, outline removed).
std::vector<cv::Rect> find_box_labels(const cv::Mat& ink);

}  // namespace mlxocr
