// Form templates, page alignment and page lines, on the users' real template and on forms and
// pages this test renders itself.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "image/align.h"
#include "image/lines.h"
#include "image/template_boxes.h"
#include "test_support.h"

namespace mlxocr {
namespace {

const std::filesystem::path kTemplate = testing::fixtures() / "forms" / "00_template.png";

std::vector<Box> reference_boxes() {
  std::ifstream in(testing::fixtures() / "forms" / "template_boxes.json");
  const nlohmann::json fixture = nlohmann::json::parse(in);
  std::vector<Box> boxes;
  for (const auto& b : fixture["boxes"])
    boxes.push_back({b["x"], b["y"], b["w"], b["h"]});
  return boxes;
}

TEST(Template, UsersTemplateGivesItsEighteenBoxesInReadingOrder) {
  const std::vector<Box> boxes = find_template_boxes(load_template(kTemplate), TemplateOptions{});
  const std::vector<Box> expected = reference_boxes();  // numpy-only components, see the script
  ASSERT_EQ(boxes.size(), 18u);
  ASSERT_EQ(boxes.size(), expected.size());
  for (size_t i = 0; i < boxes.size(); ++i) {
    EXPECT_EQ(boxes[i], expected[i]) << "box " << i + 1;
  }
}

TEST(Template, ReadingOrderIsRowsThenColumns) {
  // Two rows, the second slightly lower on the right, given shuffled.
  const std::vector<Box> order =
      reading_order({{300, 104, 50, 20}, {10, 10, 50, 20}, {10, 100, 50, 20}, {200, 12, 50, 20}});
  EXPECT_EQ(order,
            (std::vector<Box>{
                {10, 10, 50, 20}, {200, 12, 50, 20}, {10, 100, 50, 20}, {300, 104, 50, 20}}));
}

// The scanned form a user gets: printed outlines (black), handwriting-like text in the fields,
// binarised, then shifted and rotated a little on the scanner.
struct RenderedForm {
  cv::Mat page, outlines_only;  // gray
  cv::Mat truth;                // 2x3: template -> page
};

RenderedForm render_form(const std::vector<Box>& boxes, cv::Size size, double dx, double dy,
                         double degrees) {
  cv::Mat outlines(size, CV_8UC1, cv::Scalar(255)), text(size, CV_8UC1, cv::Scalar(255));
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Box& b = boxes[i];
    cv::rectangle(outlines, cv::Rect(b.x, b.y, b.w, b.h), cv::Scalar(0), 2);
    cv::putText(text, "Field " + std::to_string(i + 1), {b.x + 12, b.y + b.h / 2 + 8},
                cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(0), 2);
  }
  cv::Mat truth = cv::getRotationMatrix2D(cv::Point2f(0, 0), -degrees, 1.0);
  truth.at<double>(0, 2) += dx;
  truth.at<double>(1, 2) += dy;
  RenderedForm form;
  for (auto [src, dst] : {std::pair{&outlines, &form.outlines_only}, {&text, &form.page}}) {
    cv::warpAffine(*src, *dst, truth, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
    cv::threshold(*dst, *dst, 160, 255, cv::THRESH_BINARY);  // a binarised scan
  }
  form.page = cv::min(form.page, form.outlines_only);
  truth.convertTo(form.truth, CV_32F);
  return form;
}

Box inset(const Box& b, int p) {
  return {b.x + p, b.y + p, b.w - 2 * p, b.h - 2 * p};
}

int outline_pixels(const cv::Mat& outlines_in_template_frame, const Box& b) {
  cv::Mat crop = outlines_in_template_frame(cv::Rect(b.x, b.y, b.w, b.h));
  return cv::countNonZero(crop < 128);
}

TEST(Align, ShiftedRotatedScanIsRegisteredSoCropsHoldTheirFields) {
  const cv::Mat templ = load_template(kTemplate);
  const std::vector<Box> boxes = find_template_boxes(templ, TemplateOptions{});
  const RenderedForm form = render_form(boxes, templ.size(), 9.0, -6.0, 0.5);

  const Alignment alignment = align_to_template(form.page, red_mask(templ, TemplateOptions{}));
  ASSERT_TRUE(alignment.applied) << alignment.note;
  EXPECT_NEAR(alignment.dx, 9.0, 1.0);
  EXPECT_NEAR(alignment.dy, -6.0, 1.0);
  EXPECT_NEAR(alignment.angle_degrees, 0.5, 0.1);
  Alignment truth;
  truth.applied = true;
  truth.warp = form.truth;
  const cv::Mat outlines = page_in_template_frame(form.outlines_only, alignment);
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Box true_box = map_box(boxes[i], truth);
    EXPECT_GE(iou(map_box(boxes[i], alignment), true_box), 0.9) << "field " << i + 1;
    EXPECT_EQ(outline_pixels(outlines, inset(boxes[i], 4)), 0) << "field " << i + 1;
  }
}

TEST(Align, WithoutAlignmentTheCropsCutThroughOutlines) {
  const cv::Mat templ = load_template(kTemplate);
  const std::vector<Box> boxes = find_template_boxes(templ, TemplateOptions{});
  const RenderedForm form = render_form(boxes, templ.size(), 9.0, -6.0, 0.5);
  int crops_with_outline = 0;
  for (const Box& b : boxes)
    crops_with_outline += outline_pixels(form.outlines_only, inset(b, 4)) > 0;
  EXPECT_GT(crops_with_outline, 9);  // what --align is for
}

TEST(Lines, RenderedPageWithSkewGivesEveryLineInOrder) {
  const std::vector<std::string> texts = {"Invoice number 2024-118",  "Paid",
                                          "Anna Kowalska, Main St 4", "Total due: 1,234.50 EUR",
                                          "Signature and date below", "x"};
  cv::Mat page(900, 1200, CV_8UC1, cv::Scalar(255));
  for (size_t i = 0; i < texts.size(); ++i) {
    cv::putText(page, texts[i], {80, 120 + 120 * static_cast<int>(i)}, cv::FONT_HERSHEY_SIMPLEX,
                1.2, cv::Scalar(0), 2);
  }
  cv::Mat skewed;
  cv::warpAffine(page, skewed, cv::getRotationMatrix2D(cv::Point2f(600, 450), 1.5, 1.0),
                 page.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
  const PageLines lines = find_text_lines(skewed, LineOptions{});
  ASSERT_EQ(lines.lines.size(), texts.size());
  EXPECT_NEAR(lines.skew_degrees, -1.5, 0.2);
  for (size_t i = 1; i < lines.lines.size(); ++i)
    EXPECT_GT(lines.lines[i].y, lines.lines[i - 1].y);
  // Longer texts give wider lines.
  EXPECT_GT(lines.lines[2].w, lines.lines[1].w);
}

}  // namespace
}  // namespace mlxocr
