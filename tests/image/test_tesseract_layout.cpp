// Page layout from Tesseract: columns read one after the other, no line across the gutter,
// pages lying on their side turned upright by orientation detection.
#include <gtest/gtest.h>

#include "image/document_fixtures.h"
#include "image/tesseract_layout.h"

namespace mlxocr {
namespace {

// The page's columns: [left, right) x ranges of the composed two-column page.
struct Columns {
  int left_end, right_start;
};

Columns columns_of(double scale, int gutter = 160) {
  const int width = testing::sample_text().cols;
  return {static_cast<int>((40 + width) * scale), static_cast<int>((40 + width + gutter) * scale)};
}

TEST(TesseractLayout, TwoColumnsAreReadColumnByColumnWithNoLineAcrossTheGutter) {
  const cv::Mat page = testing::two_column_page();
  const Columns cols = columns_of(1.0);
  TesseractLayout layout(TesseractLayoutOptions{.detect_orientation = false});
  const PageLayout result = layout.analyse(page, "two_columns");
  ASSERT_EQ(result.lines.size(), 30u);  // 15 printed lines per column
  for (size_t i = 0; i < result.lines.size(); ++i) {
    const LayoutLine& line = result.lines[i];
    const bool left = line.box.right() <= cols.left_end;
    const bool right = line.box.x >= cols.right_start;
    EXPECT_TRUE(left || right) << "line " << i << " spans the gutter: x " << line.box.x << ".."
                               << line.box.right();
    // Reading order: the whole left column, then the right one, each top to bottom.
    EXPECT_EQ(left, i < 15) << "line " << i;
    if (i > 0 && i != 15) {
      EXPECT_GT(line.box.y, result.lines[i - 1].box.y) << "line " << i;
    }
    EXPECT_GT(line.block, 0);
    EXPECT_GT(line.paragraph, 0);
    EXPECT_GT(line.line, 0);
    // The baseline runs along the line's bottom, left to right.
    EXPECT_LT(line.baseline_start.x, line.baseline_end.x);
    EXPECT_NEAR(line.baseline_start.y, line.box.bottom(), line.box.h / 2);
  }
  // Blocks never hold lines of both columns.
  for (size_t i = 1; i < result.lines.size(); ++i) {
    if (result.lines[i].block == result.lines[i - 1].block) {
      EXPECT_EQ(result.lines[i].box.x < cols.left_end, result.lines[i - 1].box.x < cols.left_end);
    }
  }
}

// The synthetic page is scaled to about 11 pt text at 300 dpi: at the sample's own size
// (8 pt) Tesseract's OSD confidence straddles the threshold (11-16 over 0/90/180/270).
TEST(TesseractLayout, PagesLyingAt90180And270DegreesAreTurnedUpright) {
  const double scale = 1.5;
  const cv::Mat upright = testing::two_column_page(scale);
  TesseractLayout layout;
  const PageLayout reference = layout.analyse(upright, "upright");
  EXPECT_EQ(reference.rotation_degrees, 0) << reference.note;
  ASSERT_EQ(reference.lines.size(), 30u);
  for (const int turned : {90, 180, 270}) {
    const cv::Mat lying = rotate_clockwise(upright, turned);
    const PageLayout result = layout.analyse(lying, "lying");
    EXPECT_EQ(result.rotation_degrees, (360 - turned) % 360) << turned << ": " << result.note;
    EXPECT_EQ(result.upright.size(), upright.size()) << turned;
    ASSERT_EQ(result.lines.size(), reference.lines.size()) << turned;
    for (size_t i = 0; i < result.lines.size(); ++i) {
      const Box& box = result.lines[i].box;
      EXPECT_GT(box.w, 3 * box.h) << turned << " line " << i << ": not horizontal";
      // Found where the upright page has it (the turn is exact; Tesseract's boxes may differ
      // by the odd pixel of edge rounding).
      EXPECT_GT(iou(box, reference.lines[i].box), 0.9) << turned << " line " << i;
      // Mapped back, the box lies on the lying page where that line's ink is.
      const Box back = unrotate_box(box, result.rotation_degrees, lying.cols, lying.rows);
      cv::Mat ink;
      cv::threshold(lying(cv::Rect(back.x, back.y, back.w, back.h)), ink, 128, 255,
                    cv::THRESH_BINARY_INV);
      EXPECT_GT(cv::countNonZero(ink), back.area() / 20) << turned << " line " << i;
    }
  }
}

TEST(TesseractLayout, BoxesMapBackThroughEveryQuarterTurn) {
  const cv::Mat page(30, 50, CV_8UC1, cv::Scalar(255));
  cv::Mat marked = page.clone();
  const Box box{5, 7, 11, 4};
  marked(cv::Rect(box.x, box.y, box.w, box.h)) = 0;
  for (const int turn : {0, 90, 180, 270}) {
    const cv::Mat turned = rotate_clockwise(marked, turn);
    const cv::Rect found = cv::boundingRect(255 - turned);
    const Box mapped =
        unrotate_box({found.x, found.y, found.width, found.height}, turn, marked.cols, marked.rows);
    EXPECT_EQ(mapped, box) << turn;
  }
}

TEST(TesseractLayout, AnEmptyPageHasNoLinesAndNoError) {
  const cv::Mat blank(400, 300, CV_8UC1, cv::Scalar(255));
  TesseractLayout layout;
  const PageLayout result = layout.analyse(blank, "blank");
  EXPECT_TRUE(result.lines.empty());
  EXPECT_EQ(result.rotation_degrees, 0);
}

}  // namespace
}  // namespace mlxocr
