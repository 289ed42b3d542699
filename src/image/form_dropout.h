// Form drop-out: what is printed on the blank form is removed from a filled scan before its
// fields are cut, so that only the filling is read (docs/forms.md, "Drop-out and ink following").
//
// Every mask here is 8-bit, 255 = set, in the template's frame (the page after alignment,
// page_in_template_frame) at the size of the page being read.
#pragma once

#include <opencv2/core.hpp>

namespace mlxocr {

// How far (pixels) the printed ink is widened before it is removed from a scan, for a frame of
// `size`. Alignment leaves about a pixel of error, and scanning and binarisation move an edge by
// another pixel; both grow with the resolution, so the tolerance is 0.12 % of the page's longer
// side, at least 2 px (2 px on the users' 1852-px template, 4 px on an A4 page at 300 dpi).
int dropout_tolerance(const cv::Size& size);

// The ink of a grey frame: pixels no lighter than Otsu's threshold and 40 levels darker than the
// paper (image/ink_fit.h's binarise_ink); all clear on a page without paper to speak of.
cv::Mat frame_ink(const cv::Mat& gray);

// The printed ink widened by `tolerance` pixels (a square of side 2 * tolerance + 1).
cv::Mat widen(const cv::Mat& printed, int tolerance);

// The pixels of `ink` to remove: ink under `printed` (already widened) that belongs to a piece of
// ink lying mostly on the print (a piece of writing that the widened print only grazes is kept
// whole) — except where a filling stroke crosses the printed ink. A stroke crossing a printed line
// loses the pixels it shares with the line; those are given back where the filling continues on
// both sides of the gap within `bridge` pixels, vertically (across a horizontal line) or
// horizontally (across a vertical one). The printed line itself has filling on at most one side and
// stays removed.
cv::Mat ink_to_remove(const cv::Mat& ink, const cv::Mat& printed, int bridge);

// `mask` (255 = set) at `size`: set wherever any of the pixels it covers was (a thin line
// survives a reduction).
cv::Mat resized_mask(const cv::Mat& mask, cv::Size size);

// The per-pixel vote over several scans of one form (no blank given): ink at the same place on
// most aligned scans is the form, not what one person wrote. Masks are counted at one fixed
// size (the template's); `form()` scales the result to each page.
class FormVote {
 public:
  explicit FormVote(cv::Size size);
  // Counts `ink` (a frame's ink mask, any size: scaled to the vote's by resized_mask). A printed
  // line a pixel off on one scan is caught by the tolerance drop-out widens the result by.
  void add(const cv::Mat& ink);
  int scans() const { return scans_; }
  // 255 where at least `share` of the scans had ink; at `size`.
  cv::Mat form(double share, cv::Size size) const;

 private:
  cv::Mat counts_;  // CV_16U
  int scans_ = 0;
};

}  // namespace mlxocr
