// The resolution handed to the layout analysis: a PDF's rendering, else the file's own, else
// none (0: Tesseract estimates it) -- never a guess of ours.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "image/document.h"
#include "image/document_fixtures.h"
#include "pipeline/page_resolution.h"
#include "temp_dir.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxBytes = 1 << 26;

int dpi_of(const fs::path& file, int page = 1, DocumentOptions options = {}) {
  const auto doc = open_document(file, options);
  return page_dpi(*doc, file, page, kMaxBytes);
}

TEST(PageResolution, ComesFromThePdfRenderingOrTheFileAndIsZeroWhenTheFileHasNone) {
  testing::TempDir dir;
  const cv::Mat gray(60, 80, CV_8UC1, cv::Scalar(230));

  const fs::path pdf = dir.path() / "page.pdf";
  testing::write_bytes(pdf, testing::make_pdf({.pages = {gray}}));
  DocumentOptions options;
  options.dpi = 150;
  EXPECT_EQ(dpi_of(pdf, 1, options), 150);

  // OpenCV writes no pHYs chunk: a PNG without a resolution.
  const fs::path png = dir.path() / "plain.png";
  ASSERT_TRUE(cv::imwrite(png.string(), gray));
  EXPECT_EQ(dpi_of(png), 0);

  // A JPEG whose JFIF header says 72 x 150 dots per inch: the vertical one, as Tesseract reads.
  std::vector<uchar> encoded;
  cv::imencode(".jpg", gray, encoded);
  std::string jpeg(encoded.begin(), encoded.end());
  ASSERT_EQ(jpeg.substr(6, 5), std::string("JFIF\0", 5));
  jpeg[13] = 1, jpeg[14] = 0, jpeg[15] = char(72), jpeg[16] = 0, jpeg[17] = char(150);
  const fs::path jpg = dir.path() / "photo.jpg";
  testing::write_bytes(jpg, jpeg);
  EXPECT_EQ(dpi_of(jpg), 150);

  // A two-page TIFF at 200 dpi: each page's own tags.
  const fs::path tiff = dir.path() / "pages.tif";
  const std::vector<int> params = {cv::IMWRITE_TIFF_RESUNIT, 2,  cv::IMWRITE_TIFF_XDPI, 200,
                                   cv::IMWRITE_TIFF_YDPI,    200};
  ASSERT_TRUE(cv::imwritemulti(tiff.string(), std::vector<cv::Mat>{gray, gray}, params));
  EXPECT_EQ(dpi_of(tiff, 1), 200);
  EXPECT_EQ(dpi_of(tiff, 2), 200);
}

}  // namespace
}  // namespace mlxocr
