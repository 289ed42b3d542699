// Form mode, between alignment and the crops: the aligned page with the printed form removed
// (drop-out) and each field's crop cut around the writing that belongs to it (ink following).
// See docs/forms.md, "Drop-out and ink following".
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <vector>

#include "image/field_ink.h"
#include "mlxocr/pipeline.h"

namespace mlxocr {

// What a form page's crops are cut from: the page in the template's frame, with the printed ink
// (and the outlines, when ink is followed across them) painted as paper.
struct FormFrame {
  cv::Mat bgr;      // what the crops are cut from
  cv::Mat writing;  // its ink, outlines and printed ink removed (255 = ink)
  cv::Mat dropped;  // the printed ink removed (drop-out and labels; not the outlines)
  cv::Scalar paper;
  std::unique_ptr<FieldInk> fields;  // set when ink is followed across outlines
};

// `frame`: the aligned page (BGR); `outlines`: the template's outlines at its size; `printed`:
// the blank's or the vote's ink at its size (empty: none known); `boxes`: the fields' boxes.
FormFrame clean_form_frame(const cv::Mat& frame, const cv::Mat& outlines, const cv::Mat& printed,
                           const std::vector<cv::Rect>& boxes, bool follow_ink);

// The part of `frame` to read for field `index` (its box `box`, `inside` = the box less the
// inset), and where it lies in the frame (`origin`). `labels`: leave out printed labels found in
// the box (image/field_labels.h), adding their ink to frame.dropped.
cv::Mat form_field_crop(FormFrame& frame, size_t index, const cv::Rect& box, const cv::Rect& inside,
                        bool labels, cv::Point* origin);

// The set pixels of `mask` as row runs, for PageResult::dropped.
std::vector<PixelRun> pixel_runs(const cv::Mat& mask);

}  // namespace mlxocr
