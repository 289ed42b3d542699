// find_ink / fit_to_ink: a field crop cut down to its writing, with box edges, specks and stray
// marks ignored. The expected boxes come from drawing the same text alone on clean paper.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "image/ink_fit.h"

namespace mlxocr {
namespace {

constexpr int kPaper = 235;

// A 60 x 500 grey field crop with `text` written at (x, baseline).
cv::Mat field(const std::string& text, int x, int baseline) {
  cv::Mat gray(60, 500, CV_8UC1, cv::Scalar(kPaper));
  cv::putText(gray, text, {x, baseline}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(20), 2);
  return gray;
}

// The bounding box of the dark pixels of a crop that holds nothing else.
cv::Rect dark_box(const cv::Mat& gray) {
  cv::Mat dark;
  cv::threshold(gray, dark, kPaper - 40, 255, cv::THRESH_BINARY_INV);
  return cv::boundingRect(dark);
}

void expect_near(const cv::Rect& got, const cv::Rect& want, int slack) {
  EXPECT_NEAR(got.x, want.x, slack);
  EXPECT_NEAR(got.y, want.y, slack);
  EXPECT_NEAR(got.br().x, want.br().x, slack);
  EXPECT_NEAR(got.br().y, want.br().y, slack);
}

TEST(InkFit, FindsTheWritingOfACleanField) {
  const cv::Mat gray = field("Jane Q. Doe 12/03", 140, 38);
  const auto ink = find_ink(gray);
  ASSERT_TRUE(ink.has_value());
  expect_near(*ink, dark_box(gray), 0);
}

TEST(InkFit, IgnoresBoxEdgesSpecksAndAStrayMark) {
  const cv::Mat clean = field("Jane Q. Doe 12/03", 20, 38);
  cv::Mat gray = clean.clone();
  cv::line(gray, {0, 1}, {499, 1}, cv::Scalar(10), 2);    // the box's top edge
  cv::line(gray, {0, 58}, {499, 58}, cv::Scalar(10), 1);  // and bottom edge
  cv::line(gray, {2, 0}, {2, 59}, cv::Scalar(10), 2);     // and left edge
  for (const cv::Point speck : {cv::Point(30, 20), cv::Point(400, 50), cv::Point(120, 8)})
    gray.at<std::uint8_t>(speck) = 0;                          // one-pixel scan noise
  cv::circle(gray, {470, 30}, 4, cv::Scalar(30), cv::FILLED);  // a mark far right of the text
  const auto ink = find_ink(gray);
  ASSERT_TRUE(ink.has_value());
  expect_near(*ink, dark_box(clean), 0);
}

TEST(InkFit, FindsTheWritingOfABinarisedField) {
  cv::Mat gray(60, 500, CV_8UC1, cv::Scalar(255));  // a hard-binarised scan: 0 and 255 only
  cv::putText(gray, "12.5", {30, 40}, cv::FONT_HERSHEY_SIMPLEX, 0.8, cv::Scalar(0), 2);
  cv::threshold(gray, gray, 127, 255, cv::THRESH_BINARY);
  const auto ink = find_ink(gray);
  ASSERT_TRUE(ink.has_value());
  cv::Mat dark;
  cv::threshold(gray, dark, 127, 255, cv::THRESH_BINARY_INV);
  expect_near(*ink, cv::boundingRect(dark), 0);
}

TEST(InkFit, KeepsWordsThatAreFarApartTogether) {
  cv::Mat gray = field("Main St.", 20, 38);
  cv::putText(gray, "Hamburg", {160, 38}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(20), 2);
  const auto ink = find_ink(gray);
  ASSERT_TRUE(ink.has_value());
  expect_near(*ink, dark_box(gray), 0);
}

TEST(InkFit, AnEmptyFieldHasNoInk) {
  cv::Mat gray(60, 500, CV_8UC1);
  cv::randu(gray, kPaper - 15, kPaper + 15);  // paper texture, no writing
  gray.at<std::uint8_t>(30, 250) = 0;         // and one speck
  EXPECT_FALSE(find_ink(gray).has_value());
  cv::Mat bgr;
  cv::cvtColor(gray, bgr, cv::COLOR_GRAY2BGR);
  const cv::Mat fitted = fit_to_ink(bgr, InkFitOptions{});
  EXPECT_EQ(fitted.size(), bgr.size());  // read whole
  EXPECT_EQ(cv::norm(fitted, bgr, cv::NORM_INF), 0.0);
  cv::Rect kept;
  fit_to_ink(bgr, InkFitOptions{}, &kept);
  EXPECT_EQ(kept, cv::Rect(0, 0, bgr.cols, bgr.rows));
}

TEST(InkFit, CutsDownToTheWritingWithMarginsAndPadsWithPaper) {
  // Writing close to the top edge: the upper margin runs past the crop and is paper-coloured.
  const cv::Mat gray = field("AB 42", 200, 18);
  const cv::Rect text = dark_box(gray);
  ASSERT_LT(text.y, 6);
  cv::Mat bgr;
  cv::cvtColor(gray, bgr, cv::COLOR_GRAY2BGR);
  InkFitOptions options;
  options.margin_y = 0.5;
  options.margin_x = 1.0;
  const cv::Mat fitted = fit_to_ink(bgr, options);
  const int pad_y = static_cast<int>(std::lround(0.5 * text.height));
  const int pad_x = text.height;
  EXPECT_EQ(fitted.rows, text.height + 2 * pad_y);
  EXPECT_EQ(fitted.cols, text.width + 2 * pad_x);
  EXPECT_EQ(fitted.at<cv::Vec3b>(0, 0), cv::Vec3b(kPaper, kPaper, kPaper));
  // The writing itself is copied unchanged, where the margins put it.
  const cv::Mat inside = fitted(cv::Rect(pad_x, pad_y, text.width, text.height));
  EXPECT_EQ(cv::norm(inside, bgr(text), cv::NORM_INF), 0.0);
  // The rectangle kept, in the crop's pixels (reaching past its top edge), maps positions back.
  cv::Rect kept;
  fit_to_ink(bgr, options, &kept);
  EXPECT_EQ(kept, cv::Rect(text.x - pad_x, text.y - pad_y, fitted.cols, fitted.rows));
  EXPECT_LT(kept.y, 0);
}

}  // namespace
}  // namespace mlxocr
