// The parts of form drop-out and ink following on small drawn masks whose answer is plain from
// the drawing: a stroke crossing a printed line, a vote over scans, a label in a box's corner,
// writing that crosses into the neighbouring box.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "image/field_ink.h"
#include "image/field_labels.h"
#include "image/form_dropout.h"

namespace mlxocr {
namespace {

cv::Mat empty_mask(int width, int height) {
  return cv::Mat(height, width, CV_8UC1, cv::Scalar(0));
}

TEST(FormDropoutParts, AStrokeCrossingAPrintedLineKeepsItsCrossingPixels) {
  cv::Mat printed = empty_mask(100, 60), ink = empty_mask(100, 60);
  cv::rectangle(printed, cv::Rect(0, 30, 100, 2), cv::Scalar(255), cv::FILLED);  // the form's line
  ink |= printed;
  cv::rectangle(ink, cv::Rect(50, 10, 3, 40), cv::Scalar(255), cv::FILLED);  // a stroke across it
  cv::rectangle(ink, cv::Rect(80, 12, 3, 19), cv::Scalar(255),
                cv::FILLED);  // a stroke ending on it
  cv::rectangle(ink, cv::Rect(20, 16, 3, 13), cv::Scalar(255),
                cv::FILLED);  // one ending just above
  const cv::Mat removed = ink_to_remove(ink, widen(printed, 2), 5);
  // The line goes, but not where the stroke crosses it.
  EXPECT_EQ(cv::countNonZero(removed(cv::Rect(0, 30, 50, 2))), 100);
  EXPECT_EQ(cv::countNonZero(removed(cv::Rect(50, 10, 3, 40))), 0);
  // A stroke that only reaches the line loses the pixels on it (nothing continues below).
  EXPECT_EQ(cv::countNonZero(removed(cv::Rect(80, 28, 3, 2))), 6);
  // A stroke apart from the line that the widened line grazes is writing, kept whole.
  EXPECT_EQ(cv::countNonZero(removed(cv::Rect(20, 16, 3, 13))), 0);
  // Only ink is ever removed.
  EXPECT_EQ(cv::countNonZero(removed & ~ink), 0);
}

TEST(FormDropoutParts, TheVoteKeepsInkThatMostScansShare) {
  FormVote vote({40, 20});
  for (int scan = 0; scan < 5; ++scan) {
    cv::Mat ink = empty_mask(80, 40);  // twice the vote's size: scaled down to it
    cv::rectangle(ink, cv::Rect(0, 10, 80, 2), cv::Scalar(255), cv::FILLED);  // printed: all
    cv::rectangle(ink, cv::Rect(10 + 12 * scan, 20, 4, 10), cv::Scalar(255),
                  cv::FILLED);  // filling: one
    vote.add(ink);
  }
  EXPECT_EQ(vote.scans(), 5);
  const cv::Mat form = vote.form(0.75, {80, 40});
  EXPECT_EQ(cv::countNonZero(form.row(10)), 80);
  EXPECT_EQ(cv::countNonZero(form(cv::Rect(0, 20, 80, 10))), 0);
}

TEST(FormDropoutParts, ToleranceGrowsWithThePage) {
  EXPECT_EQ(dropout_tolerance({1852, 528}), 2);
  EXPECT_EQ(dropout_tolerance({2480, 3508}), 4);
  EXPECT_EQ(dropout_tolerance({100, 50}), 2);
}

void text(cv::Mat& ink, const std::string& s, cv::Point at, double scale) {
  cv::putText(ink, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255), 1, cv::LINE_8);
}

TEST(FieldLabels, ASmallLabelInTheCornerBesideTheWritingIsALabel) {
  cv::Mat box = empty_mask(400, 60);
  text(box, "Name", {5, 14}, 0.4);       // about 10 px high, top-left
  text(box, "Gregory", {120, 50}, 1.0);  // the answer, larger, apart
  const std::vector<cv::Rect> labels = find_box_labels(box);
  ASSERT_EQ(labels.size(), 1u);
  EXPECT_LT(labels[0].x + labels[0].width, 60);
  EXPECT_LT(labels[0].y + labels[0].height, 20);
}

TEST(FieldLabels, WritingAloneOrAsLargeAsTheLabelIsNoLabel) {
  cv::Mat alone = empty_mask(400, 60);
  text(alone, "Gregory", {40, 45}, 1.0);
  EXPECT_TRUE(find_box_labels(alone).empty());
  cv::Mat small_answer = empty_mask(400, 60);
  text(small_answer, "Name", {5, 14}, 0.4);
  text(small_answer, "Bo", {200, 14}, 0.4);  // as small as the label: cannot tell them apart
  EXPECT_TRUE(find_box_labels(small_answer).empty());
  cv::Mat middle = empty_mask(400, 60);  // small but in the middle of the box: an answer
  text(middle, "12", {180, 36}, 0.4);
  EXPECT_TRUE(find_box_labels(middle).empty());
}

TEST(FieldLabels, ALabelAloneInTheCornerOfAnEmptyBoxIsALabel) {
  cv::Mat box = empty_mask(300, 60);
  text(box, "Date", {5, 14}, 0.4);
  EXPECT_EQ(find_box_labels(box).size(), 1u);
}

TEST(FieldInk, WritingCrossingIntoTheBoxBelowBelongsToItsOwnBox) {
  // Two boxes one above the other; a tall letter in the upper one reaches into the lower one,
  // which holds its own short word; a speck outside both boxes is nobody's.
  cv::Mat writing = empty_mask(200, 120);
  const cv::Rect upper(10, 10, 180, 40), lower(10, 55, 180, 40);
  cv::rectangle(writing, cv::Rect(30, 20, 4, 45), cv::Scalar(255),
                cv::FILLED);  // 30 px in upper, 10 below
  cv::rectangle(writing, cv::Rect(100, 70, 30, 8), cv::Scalar(255),
                cv::FILLED);                                                    // lower's own word
  cv::rectangle(writing, cv::Rect(150, 2, 8, 4), cv::Scalar(255), cv::FILLED);  // above both boxes
  const FieldInk fields(writing, {upper, lower});
  const int inset = 4;
  const auto inside = [&](const cv::Rect& r) {
    return cv::Rect(r.x + inset, r.y + inset, r.width - 2 * inset, r.height - 2 * inset);
  };
  const FieldCut top = fields.cut(0, inside(upper), upper.height / 2);
  EXPECT_EQ(top.rect.y + top.rect.height, 65);  // the whole stroke
  EXPECT_EQ(cv::countNonZero(top.foreign), 0);  // the lower word is not in the upper's rect
  const FieldCut bottom = fields.cut(1, inside(lower), lower.height / 2);
  EXPECT_EQ(bottom.rect, inside(lower));  // not grown towards the upper box's stroke
  // The stroke's tail inside the lower box is the upper's: painted out there.
  EXPECT_EQ(cv::countNonZero(bottom.foreign), 4 * (65 - inside(lower).y));
}

TEST(FieldInk, AFollowedPieceIsBoundedByTheReach) {
  cv::Mat writing = empty_mask(200, 200);
  const cv::Rect box(10, 10, 180, 40);
  cv::rectangle(writing, cv::Rect(30, 20, 4, 170), cv::Scalar(255),
                cv::FILLED);  // a long line down
  const FieldInk fields(writing, {box});
  const FieldCut cut = fields.cut(0, {14, 14, 172, 32}, 20);
  EXPECT_EQ(cut.rect.y + cut.rect.height, box.y + box.height + 20);
}

}  // namespace
}  // namespace mlxocr
