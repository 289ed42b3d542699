// mlxocr ocr --format pdf: one searchable PDF per input file (every selected page), its text
// and word boxes what the same run gives as JSON, found by pdftotext; refused without an output
// folder.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "image/document_fixtures.h"
#include "pdf_tools.h"
#include "temp_dir.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

// Runs of whitespace as one space, none at the ends: pdftotext lays lines out its own way.
std::string squeeze(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c));
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

// Every field's text of `page` (JSON), in order, in pdftotext's text of that PDF page.
void expect_page_text(const fs::path& pdf, int page_number, const nlohmann::json& page) {
  const std::string text = squeeze(
      testing::command_output("pdftotext -f " + std::to_string(page_number) + " -l " +
                              std::to_string(page_number) + " " + testing::quoted(pdf) + " -"));
  size_t at = 0, found = 0;
  for (const auto& field : page["fields"]) {
    const std::string expected = squeeze(field["text"].get<std::string>());
    if (expected.empty()) continue;
    const size_t next = text.find(expected, at);
    EXPECT_NE(next, std::string::npos) << "\"" << expected << "\" (after byte " << at
                                       << ") not in page " << page_number << ": " << text;
    if (next != std::string::npos) at = next + expected.size(), ++found;
  }
  EXPECT_GE(found, 3u) << "the model read too little on page " << page_number << " to test";
}

TEST(PdfCli, OnePdfPerFileWithTheTextOfEveryPage) {
  MLXOCR_REQUIRE_POPPLER_UTILS();
  testing::TempDir dir;
  const cv::Mat text = testing::sample_text();  // five printed lines
  const fs::path page = dir / "page.png", tiff = dir / "three.tif", out = dir / "out";
  ASSERT_TRUE(cv::imwrite(page.string(), text));
  ASSERT_TRUE(cv::imwritemulti(tiff.string(), std::vector<cv::Mat>{text, text, text}));
  // The bundled model: it reads these printed lines (the random-weight fixtures read nothing).
  const std::string common =
      "ocr -q --lines " + testing::quoted(page) + " " + testing::quoted(tiff);
  const auto json = testing::run_cli(common + " --format json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto results = nlohmann::json::parse(json.out);
  ASSERT_EQ(results.size(), 4u);

  const auto run =
      testing::run_cli(common + " --format pdf --no-images -o " + testing::quoted(out));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_TRUE(fs::exists(out / "page.pdf"));
  ASSERT_TRUE(fs::exists(out / "three.pdf"));
  EXPECT_FALSE(fs::exists(out / "three.p1.pdf")) << "one PDF for the whole file";
  EXPECT_EQ(testing::pdf_info(out / "page.pdf", "Pages"), "1");
  EXPECT_EQ(testing::pdf_info(out / "three.pdf", "Pages"), "3");
  // No resolution in these files: 300 dpi, 560 x 440 px -> 134.4 x 105.6 pt.
  EXPECT_EQ(testing::pdf_info(out / "page.pdf", "Page size"), "134.4 x 105.6 pts");
  expect_page_text(out / "page.pdf", 1, results[0]);
  for (int p = 1; p <= 3; ++p)
    expect_page_text(out / "three.pdf", p, results[p]);
  // Every word of the JSON is found by pdftotext, in order, at its box (points = px * 0.24).
  std::vector<std::pair<std::string, nlohmann::json>> expected;
  for (const auto& field : results[0]["fields"]) {
    for (const auto& word : field["words"]) {
      if (!squeeze(word["text"].get<std::string>()).empty())
        expected.emplace_back(word["text"].get<std::string>(), word["box"]);
    }
  }
  ASSERT_GE(expected.size(), 10u) << "the pipeline gave too few word boxes to test";
  const auto words = testing::pdf_words(out / "page.pdf");
  ASSERT_EQ(words.size(), expected.size());
  for (size_t i = 0; i < words.size(); ++i) {
    const auto& [text, box] = expected[i];
    EXPECT_EQ(words[i].text, text);
    EXPECT_NEAR(words[i].x_min, box["x"].get<double>() * 0.24, 0.75) << text;
    EXPECT_NEAR(words[i].y_min, box["y"].get<double>() * 0.24, 0.75) << text;
    EXPECT_NEAR(words[i].x_max, (box["x"].get<double>() + box["w"].get<double>()) * 0.24, 0.75);
    EXPECT_NEAR(words[i].y_max, (box["y"].get<double>() + box["h"].get<double>()) * 0.24, 0.75);
  }
}

TEST(PdfCli, PdfToStdoutIsAUsageError) {
  testing::TempDir dir;
  const fs::path page = dir / "page.png";
  ASSERT_TRUE(cv::imwrite(page.string(), testing::sample_text()));
  const auto run = testing::run_cli("ocr -q --lines --format pdf -m " + testing::quoted_model() +
                                    " " + testing::quoted(page));
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("--output-dir"), std::string::npos) << run.err;
  EXPECT_TRUE(run.out.empty());
}

TEST(PdfCli, TheInputIsNeverOverwritten) {
  MLXOCR_REQUIRE_POPPLER_UTILS();
  testing::TempDir dir;
  const fs::path pdf = dir / "scan.pdf";
  testing::write_bytes(pdf, testing::make_pdf({.pages = {testing::sample_text()}}));
  const auto before = fs::file_size(pdf);
  const auto run = testing::run_cli(
      "ocr -q --lines --max-new-tokens 2 --no-images --format pdf -m " + testing::quoted_model() +
      " " + testing::quoted(pdf) + " -o " + testing::quoted(dir.path()));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("is the input itself"), std::string::npos) << run.err;
  EXPECT_EQ(fs::file_size(pdf), before);
}

}  // namespace
}  // namespace mlxocr
