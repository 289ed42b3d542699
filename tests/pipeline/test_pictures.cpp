// The annotated picture: page with blocks, numbered lines and words on the left; the text read,
// each line inside its own box, on the right, with the characters DejaVu Sans draws (not '?').
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "pipeline/picture_text.h"
#include "pipeline/pictures.h"

namespace mlxocr {
namespace {

cv::Mat white(int width, int height) {
  return cv::Mat(height, width, CV_8UC3, cv::Scalar::all(255));
}

// Pixels where two pictures of the same size differ.
int differing_pixels(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff, grey;
  cv::absdiff(a, b, diff);
  cv::cvtColor(diff, grey, cv::COLOR_BGR2GRAY);
  return cv::countNonZero(grey);
}

cv::Mat drawn(const std::string& text) {
  cv::Mat image = white(80, 60);
  draw_text_in_box(image, text, {10, 10, 60, 40}, cv::Scalar(0, 0, 0));
  return image;
}

TEST(Pictures, AccentedAndGreekLettersAreDrawnNotQuestionMarks) {
  ASSERT_TRUE(picture_font_loaded()) << kPictureFontFile << " (Debian: fonts-dejavu-core)";
  const cv::Mat question = drawn("?");
  ASSERT_GT(differing_pixels(question, white(80, 60)), 20);  // '?' itself leaves ink
  EXPECT_GT(differing_pixels(drawn("é"), question), 20);
  EXPECT_GT(differing_pixels(drawn("Ω"), question), 20);
  EXPECT_GT(differing_pixels(drawn("é"), drawn("Ω")), 20);
}

// Two dense lines (2 pixels apart) in one block, then a line of a second block.
PageResult dense_page() {
  PageResult page;
  page.width = 400, page.height = 300;
  FieldResult first;
  first.index = 1, first.block = 1, first.line = 1;
  first.box = {20, 40, 300, 24};
  first.text = "Le café déjà vu à Ωmega, un très long texte qui dépasse";
  first.confidence = 0.9;
  first.words = {{"Le", {22, 42, 30, 20}, 0.9}, {"café", {60, 41, 60, 22}, 0.3}};
  FieldResult second = first;
  second.index = 2, second.line = 2;
  second.box = {20, 66, 200, 24};
  second.text = "Ωμέγα";
  second.confidence = 0.2;  // low: drawn in the warning colour
  second.words = {{"Ωμέγα", {24, 68, 150, 20}, 0.2}};
  FieldResult third = first;
  third.index = 3, third.block = 2, third.line = 1;
  third.box = {40, 200, 320, 40};
  third.text = "x";
  third.words = {{"x", {44, 204, 20, 32}, 0.9}};
  page.fields = {first, second, third};
  return page;
}

TEST(Pictures, AnnotatedPictureIsTwoPagesWide) {
  const cv::Mat picture = draw_annotated(white(400, 300), dense_page());
  EXPECT_EQ(picture.cols, 800);
  EXPECT_EQ(picture.rows, 300);
}

TEST(Pictures, TextInkLiesOnlyInsideTheLineBoxes) {
  const PageResult page = dense_page();
  const cv::Mat picture = draw_annotated(white(400, 300), page);
  const cv::Mat right = picture(cv::Rect(400, 0, 400, 300));
  cv::Mat outside = right.clone();
  for (const FieldResult& f : page.fields) {
    const cv::Rect box(f.box.x, f.box.y, f.box.w, f.box.h);
    EXPECT_GT(differing_pixels(right(box), white(box.width, box.height)), 10)
        << "no text drawn in line " << f.index;
    outside(box).setTo(cv::Scalar::all(255));
  }
  EXPECT_EQ(differing_pixels(outside, white(400, 300)), 0);
}

bool has_colour(const cv::Mat& image, cv::Rect r, const cv::Scalar& colour) {
  r &= cv::Rect(0, 0, image.cols, image.rows);
  for (int y = r.y; y < r.y + r.height; ++y) {
    for (int x = r.x; x < r.x + r.width; ++x) {
      const cv::Vec3b p = image.at<cv::Vec3b>(y, x);
      if (p[0] == colour[0] && p[1] == colour[1] && p[2] == colour[2]) return true;
    }
  }
  return false;
}

TEST(Pictures, EveryWordBoxEdgeIsDrawn) {
  const PageResult page = dense_page();
  const cv::Mat picture = draw_annotated(white(400, 300), page);
  for (const FieldResult& f : page.fields) {
    for (const WordResult& w : f.words) {
      const cv::Scalar colour =
          w.confidence < kPictureLowConfidence ? kPictureWarningColour : kPictureWordColour;
      const int right = w.box.x + w.box.w - 1, bottom = w.box.y + w.box.h - 1;
      EXPECT_TRUE(has_colour(picture, {w.box.x, w.box.y, 1, w.box.h}, colour)) << w.text;
      EXPECT_TRUE(has_colour(picture, {right, w.box.y, 1, w.box.h}, colour)) << w.text;
      EXPECT_TRUE(has_colour(picture, {w.box.x, w.box.y, w.box.w, 1}, colour)) << w.text;
      EXPECT_TRUE(has_colour(picture, {w.box.x, bottom, w.box.w, 1}, colour)) << w.text;
    }
  }
}

TEST(Pictures, BlocksAreOutlinedAroundTheirLines) {
  const PageResult page = dense_page();
  const cv::Mat picture = draw_annotated(white(400, 300), page);
  // Block 1 spans lines 1 and 2 (x 20..320, y 40..90); its outline lies just outside that.
  EXPECT_TRUE(has_colour(picture, {8, 40, 12, 50}, kPictureBlockColour));
  EXPECT_TRUE(has_colour(picture, {20, 90, 300, 12}, kPictureBlockColour));
  // Nothing of a block's colour inside the text panel, nor without Tesseract blocks.
  EXPECT_FALSE(has_colour(picture, {400, 0, 400, 300}, kPictureBlockColour));
  PageResult form = page;
  for (FieldResult& f : form.fields)
    f.block = 0;
  EXPECT_FALSE(
      has_colour(draw_annotated(white(400, 300), form), {0, 0, 800, 300}, kPictureBlockColour));
}

}  // namespace
}  // namespace mlxocr
