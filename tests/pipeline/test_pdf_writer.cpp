// Searchable PDFs read back by poppler (pdftotext -bbox, pdfinfo, pdftoppm, poppler-cpp): every
// word where its box says, in order, Unicode intact, one page per result, a valid font.
#include <gtest/gtest.h>
#include <poppler-document.h>
#include <poppler-page.h>
#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/cv_convert.h"
#include "image/image_resolution.h"
#include "pdf_tools.h"
#include "pipeline/glyphless_font.h"
#include "pipeline/pdf_document.h"
#include "pipeline/pdf_writer.h"
#include "temp_dir.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

constexpr double kDpi = 200;
constexpr double kPointsPerPixel = 72.0 / kDpi;
constexpr double kTolerance = 0.75;  // points: rounding of 3-decimal numbers and glyph metrics

// A white page with a dark bar where each box is, so the image is not blank.
RgbImage page_image(int width, int height, const std::vector<Box>& boxes) {
  cv::Mat bgr(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  for (const Box& b : boxes)
    cv::rectangle(bgr, cv::Rect(b.x, b.y + b.h / 3, b.w, b.h / 3), cv::Scalar(40, 40, 160), -1);
  return from_mat(bgr);
}

WordResult word(const std::string& text, Box box) {
  return {text, box, 0.9};
}

// Three lines with word boxes (ASCII and not), and one line without words: its whole text at its
// box.
PageResult sample_result() {
  PageResult page;
  page.width = 1600, page.height = 1000;
  FieldResult first;
  first.index = 1, first.box = {100, 100, 1200, 80}, first.text = "Invoice café Straße";
  first.words = {word("Invoice", {100, 100, 420, 80}), word("café", {560, 110, 260, 70}),
                 word("Straße", {880, 100, 420, 80})};
  FieldResult second;
  second.index = 2, second.box = {100, 300, 1000, 60}, second.text = "Ωmega 漢字 𝄞clef";
  second.words = {word("Ωmega", {100, 300, 300, 60}), word("漢字", {460, 300, 200, 60}),
                  word("𝄞clef", {720, 305, 380, 55})};
  FieldResult tight;  // words 2 px apart: only the space tells them apart
  tight.index = 3, tight.box = {100, 450, 402, 60}, tight.text = "tight fit";
  tight.words = {word("tight", {100, 450, 200, 60}), word("fit", {302, 450, 200, 60})};
  FieldResult whole;
  whole.index = 4, whole.box = {100, 600, 1400, 100}, whole.text = "no word boxes here";
  page.fields = {first, second, tight, whole};
  return page;
}

std::vector<Box> boxes_of(const PageResult& page) {
  std::vector<Box> boxes;
  for (const auto& f : page.fields)
    boxes.push_back(f.box);
  return boxes;
}

std::string make_pdf(const std::vector<PageResult>& results, const RgbImage& image) {
  SearchablePdf pdf;
  for (const PageResult& result : results) {
    PdfPageImage page;
    page.width = image.width, page.height = image.height, page.pixels = &image;
    page.dpi_x = page.dpi_y = kDpi;
    pdf.add_page(result, page);
  }
  return pdf.finish();
}

fs::path write(const testing::TempDir& dir, const std::string& name, const std::string& bytes) {
  const fs::path file = dir / name;
  std::ofstream(file, std::ios::binary) << bytes;
  return file;
}

void expect_at(const testing::PdfWord& found, const std::string& text, const Box& box) {
  EXPECT_EQ(found.text, text);
  EXPECT_NEAR(found.x_min, box.x * kPointsPerPixel, kTolerance) << text;
  EXPECT_NEAR(found.x_max, box.right() * kPointsPerPixel, kTolerance) << text;
  EXPECT_NEAR(found.y_min, box.y * kPointsPerPixel, kTolerance) << text;
  EXPECT_NEAR(found.y_max, box.bottom() * kPointsPerPixel, kTolerance) << text;
}

TEST(SearchablePdf, EveryWordIsFoundInOrderAtItsBox) {
  MLXOCR_REQUIRE_POPPLER_UTILS();
  testing::TempDir dir;
  const PageResult result = sample_result();
  const fs::path pdf =
      write(dir, "page.pdf", make_pdf({result}, page_image(1600, 1000, boxes_of(result))));
  const auto words = testing::pdf_words(pdf);
  ASSERT_EQ(words.size(), 12u) << testing::command_output("pdftotext -bbox '" + pdf.string() +
                                                          "' -");
  size_t i = 0;
  for (const FieldResult& field : result.fields) {
    for (const WordResult& w : field.words)
      expect_at(words[i++], w.text, w.box);
  }
  // The line without words: its words in order, spread over the line's box from end to end.
  const Box line = result.fields[3].box;
  const std::vector<std::string> texts = {"no", "word", "boxes", "here"};
  for (size_t k = 0; k < texts.size(); ++k) {
    const auto& found = words[i + k];
    EXPECT_EQ(found.text, texts[k]);
    EXPECT_NEAR(found.y_min, line.y * kPointsPerPixel, kTolerance);
    EXPECT_NEAR(found.y_max, line.bottom() * kPointsPerPixel, kTolerance);
    EXPECT_GE(found.x_min, line.x * kPointsPerPixel - kTolerance);
    EXPECT_LE(found.x_max, line.right() * kPointsPerPixel + kTolerance);
  }
  EXPECT_NEAR(words[i].x_min, line.x * kPointsPerPixel, kTolerance);
  EXPECT_NEAR(words[i + 3].x_max, line.right() * kPointsPerPixel, kTolerance);
}

TEST(SearchablePdf, PagesSizesUnicodeAndFontAsPopplerReadsThem) {
  MLXOCR_REQUIRE_POPPLER_UTILS();
  testing::TempDir dir;
  PageResult first = sample_result(), second = sample_result();
  second.page = 2;
  second.fields.resize(1);
  second.fields[0].words.clear();  // the line's text at its box
  const fs::path pdf = write(dir, "two.pdf", make_pdf({first, second}, page_image(1600, 1000, {})));
  EXPECT_EQ(testing::pdf_info(pdf, "Pages"), "2");
  EXPECT_EQ(testing::pdf_info(pdf, "Page size"), "576 x 360 pts");  // 1600 x 1000 px at 200 dpi
  EXPECT_EQ(testing::pdf_info(pdf, "Producer"), "mlxocr " MLXOCR_VERSION);
  EXPECT_EQ(testing::pdf_info(pdf, "PDF version"), "1.5");
  // Plain text extraction, page by page: every character back, words separated.
  const std::string page2 = testing::command_output("pdftotext -f 2 -l 2 '" + pdf.string() + "' -");
  EXPECT_NE(page2.find("Invoice café Straße"), std::string::npos) << page2;
  const std::string page1 = testing::command_output("pdftotext -f 1 -l 1 '" + pdf.string() + "' -");
  for (const std::string word : {"Ωmega", "漢字", "𝄞clef"})
    EXPECT_NE(page1.find(word), std::string::npos) << page1;
  // poppler-cpp (what mlxocr itself reads PDFs with) opens it, finds the text and the font.
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(pdf.string()));
  ASSERT_TRUE(doc);
  ASSERT_EQ(doc->pages(), 2);
  std::unique_ptr<poppler::page> page(doc->create_page(0));
  const auto utf8 = page->text().to_utf8();
  EXPECT_NE(std::string(utf8.begin(), utf8.end()).find("Straße"), std::string::npos);
  const auto fonts = doc->fonts();
  ASSERT_EQ(fonts.size(), 1u);
  EXPECT_TRUE(fonts[0].is_embedded());
  // Rendering parses the embedded font (FreeType) and the images: not one complaint.
  int status = -1;
  const std::string complaints = testing::command_output(
      "pdftoppm -r 20 -png '" + pdf.string() + "' '" + (dir / "render").string() + "'", &status,
      true);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(complaints, "");
  EXPECT_TRUE(fs::exists(dir / "render-1.png"));
}

TEST(SearchablePdf, RotatedPagesRunTheirTextAlongTheLines) {
  MLXOCR_REQUIRE_POPPLER_UTILS();
  testing::TempDir dir;
  // Read upright after turning the page 90 degrees clockwise: on the stored page the line runs
  // upwards inside a tall box.
  PageResult result;
  result.width = 400, result.height = 1000, result.rotation_degrees = 90;
  FieldResult field;
  field.box = {150, 100, 60, 800}, field.text = "upwards text";
  result.fields = {field};
  const fs::path pdf = write(dir, "turned.pdf", make_pdf({result}, page_image(400, 1000, {})));
  const auto words = testing::pdf_words(pdf);
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words[0].text, "upwards");
  EXPECT_EQ(words[1].text, "text");
  for (const auto& w : words) {
    EXPECT_NEAR(w.x_min, 150 * kPointsPerPixel, kTolerance);
    EXPECT_NEAR(w.x_max, 210 * kPointsPerPixel, kTolerance);
  }
  EXPECT_GT(words[0].y_min, words[1].y_max) << "the first word is the lower one";
}

TEST(SearchablePdf, FailedPagesKeepTheirImageWithoutText) {
  MLXOCR_REQUIRE_POPPLER_UTILS();
  testing::TempDir dir;
  PageResult failed = sample_result();
  failed.error = "x.png: the model failed";
  const fs::path pdf = write(dir, "failed.pdf", make_pdf({failed}, page_image(1600, 1000, {})));
  EXPECT_EQ(testing::pdf_info(pdf, "Pages"), "1");
  EXPECT_TRUE(testing::pdf_words(pdf).empty());
}

// The TrueType checksums: every table's, and the whole file's through head.checkSumAdjustment.
uint32_t sum32(const std::string& bytes, size_t begin, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i < (length + 3) / 4 * 4; i += 4) {
    uint32_t word = 0;
    for (size_t k = 0; k < 4; ++k) {
      const size_t at = begin + i + k;
      word = (word << 8) | (at < begin + length ? static_cast<unsigned char>(bytes[at]) : 0);
    }
    sum += word;
  }
  return sum;
}

uint32_t be32(const std::string& bytes, size_t at) {
  return sum32(bytes, at, 4);
}

TEST(SearchablePdf, TheGlyphlessFontIsWellFormedTrueType) {
  const std::string font = glyphless_truetype_font();
  ASSERT_GE(font.size(), 12u);
  EXPECT_EQ(be32(font, 0), 0x00010000u);
  const int tables =
      (static_cast<unsigned char>(font[4]) << 8) | static_cast<unsigned char>(font[5]);
  ASSERT_EQ(tables, 10);
  std::string previous;
  for (int t = 0; t < tables; ++t) {
    const size_t record = 12 + 16 * t;
    const std::string tag = font.substr(record, 4);
    EXPECT_LT(previous, tag) << "tables sorted by tag";
    previous = tag;
    const uint32_t offset = be32(font, record + 8), length = be32(font, record + 12);
    ASSERT_LE(offset + length, font.size()) << tag;
    EXPECT_EQ(offset % 4, 0u) << tag;
    if (tag != "head") {
      EXPECT_EQ(be32(font, record + 4), sum32(font, offset, length)) << tag;
    }
  }
  EXPECT_EQ(sum32(font, 0, font.size()), 0xB1B0AFBAu);
}

// A PNG with a pHYs chunk of `dpi` (written after IHDR, with its CRC).
std::string png_with_dpi(const cv::Mat& image, double dpi) {
  std::vector<uchar> png;
  cv::imencode(".png", image, png);
  const uint32_t ppm = static_cast<uint32_t>(std::lround(dpi / 0.0254));
  std::string chunk = "pHYs";
  for (int k = 0; k < 2; ++k)
    for (int shift = 24; shift >= 0; shift -= 8)
      chunk += static_cast<char>((ppm >> shift) & 0xFF);
  chunk += '\x01';
  const uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(chunk.data()), chunk.size());
  std::string bytes(png.begin(), png.end());
  std::string insert = std::string("\0\0\0\x09", 4) + chunk;
  for (int shift = 24; shift >= 0; shift -= 8)
    insert += static_cast<char>((crc >> shift) & 0xFF);
  bytes.insert(8 + 25, insert);  // signature, then IHDR (4 + 4 + 13 + 4)
  return bytes;
}

TEST(SearchablePdf, ImagesKeepTheirResolutionAndJpegsTheirBytes) {
  MLXOCR_REQUIRE_POPPLER_UTILS();
  testing::TempDir dir;
  const cv::Mat gray(500, 800, CV_8UC1, cv::Scalar(230));
  // PNG at 100 dpi (pHYs): 800 x 500 px is 576 x 360 pt.
  const fs::path png = write(dir, "scan.png", png_with_dpi(gray, 100));
  ASSERT_TRUE(image_resolution(png_with_dpi(gray, 100)));
  EXPECT_NEAR(image_resolution(png_with_dpi(gray, 100))->x, 100, 0.01);
  PageResult result;
  result.source = png.string(), result.width = 800, result.height = 500;
  auto made = searchable_pdf({&result}, {});
  ASSERT_EQ(made.pages, 1) << (made.problems.empty() ? "" : made.problems[0]);
  const fs::path png_pdf = write(dir, "scan.pdf", made.bytes);
  EXPECT_EQ(testing::pdf_info(png_pdf, "Page size"), "576 x 360 pts");
  EXPECT_NE(made.bytes.find("/DeviceGray /Filter /FlateDecode"), std::string::npos);

  // JPEG with a JFIF density of 150 dpi: embedded byte for byte, 384 x 240 pt.
  std::vector<uchar> encoded;
  cv::Mat colour;
  cv::cvtColor(gray, colour, cv::COLOR_GRAY2BGR);
  cv::rectangle(colour, cv::Rect(100, 100, 200, 50), cv::Scalar(0, 0, 200), -1);
  cv::imencode(".jpg", colour, encoded);
  std::string jpeg(encoded.begin(), encoded.end());
  ASSERT_EQ(jpeg.substr(6, 5), std::string("JFIF\0", 5));
  jpeg[13] = 1, jpeg[14] = 0, jpeg[15] = char(150), jpeg[16] = 0, jpeg[17] = char(150);
  const fs::path jpg = write(dir, "photo.jpg", jpeg);
  result.source = jpg.string();
  made = searchable_pdf({&result}, {});
  ASSERT_EQ(made.pages, 1);
  EXPECT_NE(made.bytes.find(jpeg), std::string::npos) << "the JPEG's own bytes";
  EXPECT_NE(made.bytes.find("/DeviceRGB /Filter /DCTDecode"), std::string::npos);
  EXPECT_EQ(testing::pdf_info(write(dir, "photo.pdf", made.bytes), "Page size"), "384 x 240 pts");

  // A 2-page TIFF at 400 dpi: both pages, losslessly, 144 x 90 pt; a page that cannot be read
  // again is left out and named, the other kept.
  const fs::path tiff = dir / "pages.tif";
  const std::vector<int> params = {cv::IMWRITE_TIFF_RESUNIT, 2,  cv::IMWRITE_TIFF_XDPI, 400,
                                   cv::IMWRITE_TIFF_YDPI,    400};
  ASSERT_TRUE(cv::imwritemulti(tiff.string(), std::vector<cv::Mat>{colour, gray}, params));
  PageResult p1 = result, p2 = result, p9 = result;
  p1.source = p2.source = p9.source = tiff.string();
  p2.page = 2, p9.page = 9;
  made = searchable_pdf({&p1, &p9, &p2}, {});
  EXPECT_EQ(made.pages, 2);
  ASSERT_EQ(made.problems.size(), 1u);
  EXPECT_NE(made.problems[0].find("pages.tif page 9"), std::string::npos) << made.problems[0];
  const fs::path tiff_pdf = write(dir, "pages.pdf", made.bytes);
  EXPECT_EQ(testing::pdf_info(tiff_pdf, "Pages"), "2");
  EXPECT_EQ(testing::pdf_info(tiff_pdf, "Page size"), "144 x 90 pts");
  EXPECT_EQ(made.bytes.find("/DCTDecode"), std::string::npos);
}

}  // namespace
}  // namespace mlxocr
