// Check boxes drawn as a scan shows them (a printed outline, a few pixels of it left in the crop by
// misalignment) and marked as people mark them: empty, a tick, a cross, filled, a speck of dust.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "image/checkbox.h"

namespace mlxocr {
namespace {

constexpr int kSide = 40;  // a 5 mm box at 200 dpi

// A white crop with the box's outline along its edges, `outline` pixels thick (0: cut away).
cv::Mat box(int outline) {
  cv::Mat m(kSide, kSide, CV_8UC1, cv::Scalar(255));
  if (outline > 0) cv::rectangle(m, {0, 0}, {kSide - 1, kSide - 1}, cv::Scalar(0), outline);
  return m;
}

cv::Mat tick(int outline) {
  cv::Mat m = box(outline);
  cv::line(m, {9, 21}, {16, 30}, cv::Scalar(20), 3);
  cv::line(m, {16, 30}, {31, 9}, cv::Scalar(20), 3);
  return m;
}

cv::Mat cross(int outline) {
  cv::Mat m = box(outline);
  cv::line(m, {8, 8}, {31, 31}, cv::Scalar(0), 3);
  cv::line(m, {31, 8}, {8, 31}, cv::Scalar(0), 3);
  return m;
}

cv::Mat filled(int outline) {
  cv::Mat m = box(outline);
  cv::rectangle(m, {5, 5}, {34, 34}, cv::Scalar(40), cv::FILLED);
  return m;
}

cv::Mat speck(int outline) {
  cv::Mat m = box(outline);
  cv::circle(m, {22, 17}, 1, cv::Scalar(0), cv::FILLED);
  return m;
}

TEST(Checkbox, MarksAreCheckedEmptyAndSpecksAreNot) {
  for (const int outline : {0, 2, 4}) {
    EXPECT_FALSE(read_checkbox(box(outline)).checked) << outline;
    EXPECT_FALSE(read_checkbox(speck(outline)).checked) << outline;
    EXPECT_TRUE(read_checkbox(tick(outline)).checked) << outline;
    EXPECT_TRUE(read_checkbox(cross(outline)).checked) << outline;
    EXPECT_TRUE(read_checkbox(filled(outline)).checked) << outline;
  }
}

TEST(Checkbox, TheOutlineIsNotInk) {
  // A thick outline alone covers 36 % of the crop; without removal it would read as checked.
  const CheckboxReading empty = read_checkbox(box(4));
  EXPECT_LT(empty.ink_fraction, 0.01);
  EXPECT_GT(empty.confidence, 0.95);
}

TEST(Checkbox, ConfidenceGrowsWithTheMarginToTheThreshold) {
  const CheckboxReading faint = read_checkbox(speck(2));
  const CheckboxReading none = read_checkbox(box(2));
  EXPECT_LT(faint.confidence, none.confidence);
  EXPECT_GE(faint.confidence, 0.5);
  EXPECT_DOUBLE_EQ(read_checkbox(filled(2)).confidence, 1.0);
  // Exactly at the threshold: a coin toss.
  CheckboxOptions at;
  const CheckboxReading t = read_checkbox(tick(0));
  at.checked_fraction = t.ink_fraction;
  EXPECT_DOUBLE_EQ(read_checkbox(tick(0), at).confidence, 0.5);
  EXPECT_FALSE(read_checkbox(cv::Mat()).checked);
}

TEST(Checkbox, SmallSquareTemplateBoxesLookLikeCheckboxes) {
  EXPECT_TRUE(looks_like_checkbox(40, 40, 1700));
  EXPECT_TRUE(looks_like_checkbox(36, 40, 1700));
  EXPECT_FALSE(looks_like_checkbox(40, 20, 1700));  // a short text field
  EXPECT_FALSE(looks_like_checkbox(60, 60, 1700));  // too big for a check box
  EXPECT_FALSE(looks_like_checkbox(0, 0, 1700));
}

}  // namespace
}  // namespace mlxocr
