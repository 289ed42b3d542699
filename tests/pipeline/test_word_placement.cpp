// Word boxes through the whole pipeline: whatever words the (tiny, untrained) fixture model
// reads, each box must land on the page's own ink, inside its line, through every transform a
// crop went through (Tesseract layout on a page lying on its side, the simple layout, a form
// field cut down to its writing). The expected ink is found on the page we drew, not in our
// output.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/document_fixtures.h"
#include "image/tesseract_layout.h"
#include "mlxocr/pipeline.h"
#include "temp_dir.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

PipelineOptions options_for(RegionMode mode) {
  PipelineOptions options;
  options.models = {testing::model_fixture("vit-trocr").string()};  // reads words
  options.mode = mode;
  options.max_new_tokens = 8;
  return options;
}

cv::Rect rect(const Box& b) {
  return {b.x, b.y, b.w, b.h};
}

// The bounding box of the dark pixels of `page` inside `area`, in page pixels.
cv::Rect ink_in(const cv::Mat& page, const cv::Rect& area) {
  const cv::Rect inside = area & cv::Rect(0, 0, page.cols, page.rows);
  cv::Mat dark;
  cv::threshold(page(inside), dark, 128, 255, cv::THRESH_BINARY_INV);
  const cv::Rect found = cv::boundingRect(dark);
  return found.area() ? found + inside.tl() : cv::Rect();
}

double rect_iou(const cv::Rect& a, const cv::Rect& b) {
  const double inter = (a & b).area();
  return inter ? inter / (a.area() + b.area() - inter) : 0.0;
}

// Every word lies on ink, inside its line's (padded) box, and the words together cover the
// ink of the line; at least `min_lines` lines have words. `pad`: how far the crop reached past
// the line's box.
void expect_words_on_ink(const PageResult& result, const cv::Mat& page, int pad, size_t min_lines) {
  ASSERT_TRUE(result.error.empty()) << result.error;
  size_t with_words = 0;
  for (const FieldResult& f : result.fields) {
    if (f.words.empty()) {
      EXPECT_TRUE(f.text.find_first_not_of(" ") == std::string::npos || f.text.empty())
          << "line " << f.index << " \"" << f.text << "\" has text but no words";
      continue;
    }
    ++with_words;
    const cv::Rect line = rect(f.box) + cv::Point(-pad, -pad) + cv::Size(2 * pad, 2 * pad);
    cv::Rect all;
    for (const WordResult& w : f.words) {
      const cv::Rect box = rect(w.box);
      EXPECT_EQ(box & line, box) << "line " << f.index << " word \"" << w.text << "\" at " << box
                                 << " outside the line's crop " << line;
      EXPECT_GT(ink_in(page, box).area(), 0) << "word \"" << w.text << "\" at " << box;
      EXPECT_GE(w.confidence, 0.0);
      EXPECT_LE(w.confidence, 1.0);
      all = all.area() ? (all | box) : box;
    }
    EXPECT_GT(rect_iou(all, ink_in(page, rect(f.box))), 0.8)
        << "line " << f.index << ": words cover " << all << ", ink " << ink_in(page, rect(f.box));
  }
  EXPECT_GE(with_words, min_lines);
}

TEST(WordPlacement, WordsOfAPageLyingOnItsSideLandOnItsInk) {
  testing::TempDir dir;
  const cv::Mat lying = rotate_clockwise(testing::two_column_page(1.5), 90);
  const fs::path file = dir / "lying.png";
  cv::imwrite(file.string(), lying);
  Pipeline pipeline(options_for(RegionMode::kPage));
  const auto pages = pipeline.run({file.string()});
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].rotation_degrees, 270) << pages[0].layout_note;
  expect_words_on_ink(pages[0], lying, 4, 10);
  // The words run down the page, along the line, as the page lies turned clockwise.
  for (const FieldResult& f : pages[0].fields) {
    for (size_t w = 1; w < f.words.size(); ++w)
      EXPECT_GE(f.words[w].box.y, f.words[w - 1].box.bottom() - 1) << "line " << f.index;
  }
}

TEST(WordPlacement, SimpleLayoutAndLineModeWordsLandOnTheirInk) {
  testing::TempDir dir;
  const cv::Mat text = testing::sample_text();
  const fs::path file = dir / "text.png";
  cv::imwrite(file.string(), text);
  PipelineOptions page = options_for(RegionMode::kPage);
  page.layout = LayoutEngine::kSimple;
  expect_words_on_ink(Pipeline(page).run({file.string()})[0], text, 4, 3);

  const fs::path line_file = dir / "line.png";
  cv::Mat line(60, 500, CV_8UC1, cv::Scalar(255));
  cv::putText(line, "Total due 12.50", {20, 40}, cv::FONT_HERSHEY_SIMPLEX, 1.0, cv::Scalar(0), 2);
  cv::imwrite(line_file.string(), line);
  expect_words_on_ink(Pipeline(options_for(RegionMode::kLine)).run({line_file.string()})[0], line,
                      0, 1);
}

TEST(WordPlacement, FormFieldWordsLandOnTheWritingWhetherOrNotTheCropWasCutDown) {
  testing::TempDir dir;
  // A template with one large red box, and a scan with its outline and a little writing in the
  // box's lower right part (so that cutting the crop down to the writing moves it far).
  const cv::Rect outline(40, 30, 700, 220);
  cv::Mat templ(300, 800, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  cv::rectangle(templ, outline, cv::Scalar(0, 0, 255, 255), 3);
  cv::Mat scan(300, 800, CV_8UC1, cv::Scalar(255));
  cv::rectangle(scan, outline, cv::Scalar(0), 3);
  cv::putText(scan, "Main St 42", {430, 200}, cv::FONT_HERSHEY_SIMPLEX, 1.0, cv::Scalar(0), 2);
  const cv::Rect writing =
      ink_in(scan, {outline.x + 8, outline.y + 8, outline.width - 16, outline.height - 16});
  ASSERT_GT(writing.area(), 0);
  const fs::path template_file = dir / "template.png", scan_file = dir / "scan.png";
  cv::imwrite(template_file.string(), templ);
  cv::imwrite(scan_file.string(), scan);

  for (const bool fit : {true, false}) {
    PipelineOptions options = options_for(RegionMode::kForm);
    options.template_file = template_file.string();
    options.fit_to_ink = fit;
    const auto pages = Pipeline(options).run({scan_file.string()});
    ASSERT_EQ(pages.size(), 1u);
    ASSERT_EQ(pages[0].fields.size(), 1u);
    const FieldResult& field = pages[0].fields[0];
    ASSERT_FALSE(field.words.empty()) << "the model read \"" << field.text << "\"";
    cv::Rect all;
    for (const WordResult& w : field.words) {
      EXPECT_EQ(rect(w.box) & writing, rect(w.box)) << "fit " << fit << ": " << rect(w.box);
      all = all.area() ? (all | rect(w.box)) : rect(w.box);
    }
    EXPECT_GT(rect_iou(all, writing), 0.9) << "fit " << fit << ": " << all << " vs " << writing;
  }
}

TEST(WordPlacement, BlankedLinesHaveNoWords) {
  testing::TempDir dir;
  const fs::path file = dir / "text.png";
  cv::imwrite(file.string(), testing::sample_text());
  PipelineOptions options = options_for(RegionMode::kPage);
  options.layout = LayoutEngine::kSimple;
  options.min_confidence = 1.0;  // no untrained model is that sure
  const auto pages = Pipeline(options).run({file.string()});
  ASSERT_FALSE(pages[0].fields.empty());
  for (const FieldResult& f : pages[0].fields) {
    EXPECT_EQ(f.text, "");
    EXPECT_TRUE(f.words.empty());
  }
}

}  // namespace
}  // namespace mlxocr
