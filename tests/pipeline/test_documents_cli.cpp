// mlxocr ocr on real documents' shapes: PDFs and multi-page TIFFs give a result per page, bad
// PDFs one named error while the rest is read, ALTO and PAGE outputs valid against the
// official schemas (tests/fixtures/schemas, from PyPI packages: tools/schemas/fetch.sh).
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>

#include "cli_support.h"
#include "image/document_fixtures.h"
#include "pipeline/schema_validation.h"
#include "temp_dir.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

using testing::quoted;

TEST(DocumentsCli, EveryPageOfPdfsAndTiffsIsReadAndBadPdfsAreNamed) {
  testing::TempDir dir;
  const cv::Mat text = testing::sample_text();  // five printed lines
  const fs::path pdf = dir / "two_pages.pdf", tiff = dir / "three_pages.tif";
  testing::write_bytes(pdf, testing::make_pdf({.pages = {text, text}, .image_dpi = 300}));
  ASSERT_TRUE(cv::imwritemulti(tiff.string(), std::vector<cv::Mat>{text, text, text}));
  const fs::path truncated = dir / "truncated.pdf", encrypted = dir / "encrypted.pdf";
  testing::write_bytes(truncated, testing::make_pdf({.pages = {text}}).substr(0, 400));
  testing::write_bytes(encrypted, testing::make_pdf({.pages = {text}, .encrypted = true}));

  const auto run = testing::run_cli("ocr -q --lines --max-new-tokens 3 --format json -m " +
                                    testing::quoted_model() + " " + quoted(truncated) + " " +
                                    quoted(pdf) + " " + quoted(encrypted) + " " + quoted(tiff));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("truncated.pdf: not a readable PDF"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("encrypted.pdf: the PDF is encrypted"), std::string::npos) << run.err;
  const auto results = nlohmann::json::parse(run.out);
  ASSERT_EQ(results.size(), 7u) << run.out;  // 1 error + 2 pages + 1 error + 3 pages
  EXPECT_TRUE(results[0].contains("error"));
  EXPECT_TRUE(results[3].contains("error"));
  const std::vector<std::pair<size_t, int>> pages = {{1, 1}, {2, 2}, {4, 1}, {5, 2}, {6, 3}};
  for (const auto& [i, page] : pages) {
    const auto& r = results[i];
    EXPECT_EQ(r["page"], page) << r.dump();
    EXPECT_EQ(r["page_count"], i < 3 ? 2 : 3);
    EXPECT_NEAR(r["width"].get<int>(), text.cols, 1) << "PDF pages at 300 dpi give the image back";
    ASSERT_EQ(r["fields"].size(), 5u) << r.dump();
    for (const auto& field : r["fields"]) {
      EXPECT_GT(field["block"], 0);
      EXPECT_EQ(field["baseline"].size(), 4u);
    }
  }
  // TSV carries the page.
  const auto tsv = testing::run_cli("ocr -q --lines --max-new-tokens 2 --format tsv -m " +
                                    testing::quoted_model() + " --pages 2- " + quoted(tiff));
  EXPECT_EQ(tsv.exit_code, 0) << tsv.err;
  EXPECT_EQ(tsv.out.rfind("file\tpage\tindex", 0), 0u) << tsv.out;
  EXPECT_EQ(tsv.out.find(tiff.string() + "\t1\t"), std::string::npos) << "--pages 2- read page 1";
  EXPECT_NE(tsv.out.find(tiff.string() + "\t3\t5\t"), std::string::npos) << tsv.out;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

// Tesseract's TSV: one header for all pages on stdout, a page row per page, words at level 5;
// with -o one file per page beside (not over) the field table's NAME.tsv.
TEST(DocumentsCli, TesseractTsvHasOneHeaderAndEveryPagesRows) {
  testing::TempDir dir;
  const cv::Mat text = testing::sample_text();
  const fs::path tiff = dir / "two.tif", out = dir / "out";
  ASSERT_TRUE(cv::imwritemulti(tiff.string(), std::vector<cv::Mat>{text, text}));
  const std::string args =
      // --no-windows: the random-weight fixture reads a word on the sample's second line
      // (aspect 15, over its 32x32 input's window aspect of 8) only when it reads it whole.
      "ocr -q --lines --no-images --no-windows --max-new-tokens 4 --format tesseract-tsv "
      "-m " +
      testing::quoted_model() + " " + quoted(tiff);
  const auto run = testing::run_cli(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string header =
      "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\t"
      "conf\ttext\n";
  EXPECT_EQ(run.out.rfind(header, 0), 0u) << run.out;
  EXPECT_EQ(count(run.out, "level\t"), 1u);
  for (const int page : {1, 2}) {
    const std::string page_row = "\n1\t" + std::to_string(page) + "\t0\t0\t0\t0\t0\t0\t" +
                                 std::to_string(text.cols) + "\t" + std::to_string(text.rows) +
                                 "\t-1\t\n";
    EXPECT_EQ(count(run.out, page_row), 1u) << run.out;
    EXPECT_EQ(count(run.out, "\n4\t" + std::to_string(page) + "\t"), 5u) << "five lines a page";
    EXPECT_GT(count(run.out, "\n5\t" + std::to_string(page) + "\t"), 0u) << "words";
  }
  const auto written = testing::run_cli(args + " -o " + quoted(out));
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_TRUE(fs::exists(out / "two.p1.tess.tsv"));
  EXPECT_TRUE(fs::exists(out / "two.p2.tess.tsv"));
  EXPECT_FALSE(fs::exists(out / "two.p1.tsv"));
}

TEST(DocumentsCli, AltoAndPageOutputsAreValidAgainstTheOfficialSchemas) {
  ASSERT_TRUE(testing::have_xmllint())
      << "xmllint is missing (Debian: libxml2-utils, installed by dev.sh)";
  testing::TempDir dir;
  const fs::path page = dir / "columns.png", out = dir / "out";
  cv::imwrite(page.string(), testing::two_column_page());
  // vit-trocr's untrained decoder writes a few words on most lines (deit-trocr's writes none).
  for (const std::string format : {"alto", "page"}) {
    const auto run = testing::run_cli("ocr -q --lines --no-images --max-new-tokens 3 --format " +
                                      format + " -m " + testing::quoted_model("vit-trocr") + " " +
                                      quoted(page) + " -o " + quoted(out));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const fs::path xml = out / ("columns." + format + ".xml");
    ASSERT_TRUE(fs::exists(xml));
    EXPECT_EQ(
        testing::validate(xml, format == "alto" ? "alto-4-4.xsd" : "pagecontent-2019-07-15.xsd"),
        "");
    std::ifstream in(xml);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    EXPECT_EQ(count(text, "<TextLine "), 30u) << format;
    EXPECT_GE(count(text, format == "alto" ? "<TextBlock " : "<TextRegion "), 2u) << format;
    // The lines' words with their boxes (the fixture model reads a few words on most lines).
    EXPECT_GE(count(text, format == "alto" ? "<String ID=" : "<Word "), 30u) << format;
    if (format == "page") {
      EXPECT_EQ(count(text, "<Baseline "), 30u);
      EXPECT_EQ(count(text, "<RegionRefIndexed "), count(text, "<TextRegion "));
    }
  }
  // The validation can fail: a line without its String is refused by the ALTO schema.
  std::ifstream in(out / "columns.alto.xml");
  std::string alto{std::istreambuf_iterator<char>(in), {}};
  alto = std::regex_replace(alto, std::regex("<String [^>]*/>\\s*(<SP/>\\s*)?"), "");
  const fs::path broken = dir / "broken.alto.xml";
  testing::write_bytes(broken, alto);
  EXPECT_NE(testing::validate(broken, "alto-4-4.xsd"), "");
}

}  // namespace
}  // namespace mlxocr
