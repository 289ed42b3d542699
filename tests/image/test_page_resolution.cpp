// The resolution a decoded page comes with, handed to the layout analysis: a PDF's rendering,
// else the file's own, else none (0: Tesseract estimates it) -- never a guess of ours.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "image/document.h"
#include "image/document_fixtures.h"
#include "temp_dir.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

// Page `page`'s resolution, from the same read that decodes it (the page must be whole).
int dpi_of(const fs::path& file, int page = 1, DocumentOptions options = {}) {
  const DocumentPage decoded = open_document(file, options)->read_page(page);
  EXPECT_EQ(decoded.image.width, 80) << file;
  EXPECT_EQ(decoded.image.height, 60) << file;
  return decoded.dpi;
}

TEST(PageResolution, ComesFromThePdfRenderingOrTheFileAndIsZeroWhenTheFileHasNone) {
  testing::TempDir dir;
  const cv::Mat gray(60, 80, CV_8UC1, cv::Scalar(230));

  const fs::path pdf = dir.path() / "page.pdf";
  testing::write_bytes(pdf, testing::make_pdf({.pages = {gray}}));
  DocumentOptions options;
  options.dpi = 150;  // the image fills a page sized at 150 dpi: rendered 80x60
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

  // A one-page TIFF is read as a single image; its tag still counts (here per centimetre:
  // 59.055 px/cm is 150 dpi).
  const fs::path one = dir.path() / "one.tif";
  ASSERT_TRUE(cv::imwrite(
      one.string(), gray,
      {cv::IMWRITE_TIFF_RESUNIT, 3, cv::IMWRITE_TIFF_XDPI, 59, cv::IMWRITE_TIFF_YDPI, 59}));
  EXPECT_EQ(dpi_of(one), 150);
}

}  // namespace
}  // namespace mlxocr
