// Documents: every page of a PDF and of a multi-page TIFF; broken, encrypted and oversized
// PDFs refused by name before anything is rendered.
#include <gtest/gtest.h>

#include "image/document.h"
#include "image/document_fixtures.h"
#include "mlxocr/error.h"
#include "temp_dir.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

// A page with a black bar whose height says which page it is: page k's bar is 10*k rows.
cv::Mat numbered_page(int k) {
  cv::Mat page(120, 200, CV_8UC1, cv::Scalar(255));
  page(cv::Rect(20, 30, 150, 10 * k)) = 0;
  return page;
}

int bar_rows(const RgbImage& image) {
  int rows = 0;
  for (int y = 0; y < image.height; ++y) {
    const uint8_t* pixel = &image.pixels[(static_cast<size_t>(y) * image.width + 95) * 3];
    rows += pixel[0] < 128;
  }
  return rows;
}

void expect_refused(const fs::path& file, const std::string& why, DocumentOptions options = {}) {
  try {
    auto doc = open_document(file, options);
    for (int p = 1; p <= doc->page_count(); ++p)
      doc->page(p);
    FAIL() << file << ": accepted, expected \"" << why << "\"";
  } catch (const ImageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find(why), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
  }
}

TEST(Document, EveryPageOfAPdfIsRenderedAtTheAskedResolution) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "two.pdf";
  testing::write_bytes(file, testing::make_pdf({.pages = {numbered_page(1), numbered_page(2)}}));
  DocumentOptions options;
  options.dpi = 300;  // the images fill pages sized at 150 dpi: rendered twice their size
  const auto doc = open_document(file, options);
  ASSERT_EQ(doc->page_count(), 2);
  EXPECT_EQ(doc->dpi(), 300);
  for (int k = 1; k <= 2; ++k) {
    const RgbImage page = doc->page(k);
    EXPECT_EQ(page.width, 400) << k;
    EXPECT_EQ(page.height, 240) << k;
    EXPECT_NEAR(bar_rows(page), 20 * k, 2) << "page " << k;  // 10*k rows, twice the size
  }
}

TEST(Document, EveryPageOfAMultiPageTiffIsRead) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "three.tif";
  ASSERT_TRUE(cv::imwritemulti(
      file.string(), std::vector<cv::Mat>{numbered_page(1), numbered_page(2), numbered_page(3)}));
  const auto doc = open_document(file, {});
  ASSERT_EQ(doc->page_count(), 3);
  for (int k = 1; k <= 3; ++k) {
    const RgbImage page = doc->page(k);
    EXPECT_EQ(page.width, 200);
    EXPECT_EQ(bar_rows(page), 10 * k) << "page " << k;
  }
}

TEST(Document, OtherImagesAreOnePage) {
  const auto doc = open_document(testing::fixtures() / "forms" / "sample_page.png", {});
  EXPECT_EQ(doc->page_count(), 1);
  EXPECT_EQ(doc->page(1).width, 900);
}

TEST(Document, BadPdfsAreRefusedByNameBeforeRendering) {
  testing::TempDir dir;
  const std::string good = testing::make_pdf({.pages = {numbered_page(1), numbered_page(2)}});
  const fs::path truncated = dir.path() / "truncated.pdf";
  testing::write_bytes(truncated, good.substr(0, 300));
  expect_refused(truncated, "not a readable PDF");

  const fs::path encrypted = dir.path() / "encrypted.pdf";
  testing::write_bytes(encrypted,
                       testing::make_pdf({.pages = {numbered_page(1)}, .encrypted = true}));
  expect_refused(encrypted, "encrypted");

  // Poppler checks the claim against the objects in the file and gives no pages.
  const fs::path claim = dir.path() / "claims_100000_pages.pdf";
  testing::write_bytes(claim,
                       testing::make_pdf({.pages = {numbered_page(1)}, .claimed_pages = 100000}));
  expect_refused(claim, "Page count (100000)");

  // 200 inches square at 300 dpi: 3.6 gigapixels, refused from the page size alone.
  const fs::path huge = dir.path() / "huge_page.pdf";
  testing::write_bytes(huge,
                       testing::make_pdf({.pages = {numbered_page(1)}, .page_points = 14400}));
  expect_refused(huge, "more than the limit");

  // A true page count over the limit.
  const fs::path many = dir.path() / "three.pdf";
  testing::write_bytes(
      many, testing::make_pdf({.pages = {numbered_page(1), numbered_page(1), numbered_page(1)}}));
  DocumentOptions two_pages_at_most;
  two_pages_at_most.max_pages = 2;
  expect_refused(many, "claims 3 pages", two_pages_at_most);
}

TEST(Document, PageRanges) {
  DocumentOptions o;
  parse_page_range("3", o);
  EXPECT_EQ(o.first_page, 3);
  EXPECT_EQ(o.last_page, 3);
  parse_page_range("2-5", o);
  EXPECT_EQ(o.first_page, 2);
  EXPECT_EQ(o.last_page, 5);
  parse_page_range("4-", o);
  EXPECT_EQ(o.first_page, 4);
  EXPECT_EQ(o.last_page, 0);
  parse_page_range("-2", o);
  EXPECT_EQ(o.first_page, 1);
  EXPECT_EQ(o.last_page, 2);
  for (const char* bad : {"", "-", "0", "a", "3-2", "1-x", "1,3"})
    EXPECT_THROW(parse_page_range(bad, o), UsageError) << bad;

  testing::TempDir dir;
  const fs::path file = dir.path() / "two.pdf";
  testing::write_bytes(file, testing::make_pdf({.pages = {numbered_page(1), numbered_page(2)}}));
  const auto doc = open_document(file, {});
  DocumentOptions beyond;
  parse_page_range("2-9", beyond);
  EXPECT_EQ(selected_pages(*doc, beyond, "two.pdf"), std::make_pair(2, 2));
  parse_page_range("3-", beyond);
  EXPECT_THROW(selected_pages(*doc, beyond, "two.pdf"), ImageError);
}

}  // namespace
}  // namespace mlxocr
