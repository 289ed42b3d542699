#include "pipeline/form_frame.h"

#include <opencv2/imgproc.hpp>

#include "image/field_labels.h"
#include "image/form_dropout.h"
#include "image/ink_fit.h"

namespace mlxocr {

namespace {

// Leaves out of `crop` (cut from `frame` at `rect`) the labels found in the box `box`, looking at
// the box's writing that is in the crop and not `foreign` (rect-sized, may be empty).
void drop_labels(FormFrame& frame, const cv::Rect& box, const cv::Rect& rect,
                 const cv::Mat& foreign, cv::Mat& crop) {
  const cv::Rect shared = box & rect;
  if (shared.area() == 0) return;
  cv::Mat ink(box.size(), CV_8UC1, cv::Scalar(0));
  cv::Mat part = ink(shared - box.tl());
  frame.writing(shared).copyTo(part);
  if (!foreign.empty()) part &= ~foreign(shared - rect.tl());
  for (const cv::Rect& found : find_box_labels(ink)) {
    const cv::Rect label = (found + box.tl()) & rect;
    if (label.area() == 0) continue;
    const cv::Mat pixels = ink(label - box.tl());
    crop(label - rect.tl()).setTo(frame.paper, pixels);
    cv::Mat dropped = frame.dropped(label);
    cv::bitwise_or(dropped, pixels, dropped);
  }
}

}  // namespace

FormFrame clean_form_frame(const cv::Mat& frame, const cv::Mat& outlines, const cv::Mat& printed,
                           const std::vector<cv::Rect>& boxes, bool follow_ink) {
  CV_Assert(frame.type() == CV_8UC3 && outlines.size() == frame.size());
  FormFrame out;
  cv::Mat gray;
  cv::cvtColor(frame, gray, cv::COLOR_BGR2GRAY);
  const cv::Mat ink = frame_ink(gray);
  // Crossing strokes are bridged over the widened line: twice the tolerance plus a printed line
  // up to about 6 px thick.
  const int tolerance = dropout_tolerance(frame.size()), bridge = tolerance + 3;
  const cv::Mat form =
      printed.empty() ? cv::Mat(frame.size(), CV_8UC1, cv::Scalar(0)) : widen(printed, tolerance);
  const cv::Mat removed = ink_to_remove(ink, form | widen(outlines, tolerance), bridge);
  out.writing = ink & ~removed;
  out.dropped = removed & form;
  out.paper = cv::Scalar::all(median_level(gray));
  out.bgr = frame.clone();
  // Without ink following the crops stay inside the outlines, which are left as they were.
  out.bgr.setTo(out.paper, follow_ink ? removed : out.dropped);
  if (follow_ink) out.fields = std::make_unique<FieldInk>(out.writing, boxes);
  return out;
}

cv::Mat form_field_crop(FormFrame& frame, size_t index, const cv::Rect& box, const cv::Rect& inside,
                        bool labels, cv::Point* origin) {
  const cv::Rect all(0, 0, frame.bgr.cols, frame.bgr.rows);
  const cv::Rect in = inside & all;
  cv::Rect rect = in;
  cv::Mat foreign;
  if (frame.fields) {
    // At most half the box's height beyond its outline: a descender or a capital reaches about
    // that far; a longer piece is a signature or a line of the form.
    FieldCut cut = frame.fields->cut(index, inside, box.height / 2);
    rect = cut.rect;
    foreign = std::move(cut.foreign);
  }
  if (rect.width < 2 || rect.height < 2 || in.width < 2 || in.height < 2) return {};
  cv::Mat crop = frame.bgr(rect).clone();
  if (!foreign.empty()) crop.setTo(frame.paper, foreign);
  if (labels) drop_labels(frame, box & all, rect, foreign, crop);
  *origin = rect.tl();
  return crop;
}

std::vector<PixelRun> pixel_runs(const cv::Mat& mask) {
  CV_Assert(mask.type() == CV_8UC1);
  std::vector<PixelRun> runs;
  for (int y = 0; y < mask.rows; ++y) {
    const uchar* row = mask.ptr<uchar>(y);
    for (int x = 0; x < mask.cols;) {
      if (!row[x]) {
        ++x;
        continue;
      }
      const int start = x;
      while (x < mask.cols && row[x])
        ++x;
      runs.push_back({y, start, x - start});
    }
  }
  return runs;
}

}  // namespace mlxocr
