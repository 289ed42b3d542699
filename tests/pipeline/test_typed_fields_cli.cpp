// mlxocr ocr on a form with typed fields, check boxes (declared and found by their shape) and
// --review-below: what a clerk gets in the JSON, the review files (with the crops of doubtful
// check boxes) and the summary line.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>

#include "cli_support.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

const cv::Rect kNumber(50, 50, 300, 60), kDeclared(420, 60, 24, 24), kSquare(520, 60, 22, 22),
    kFaint(620, 60, 24, 24), kText(50, 160, 400, 60);

// A 1200 x 300 template (check boxes under 2.5 % of its width, 30 px) and a filled scan of it:
// digits in the number field, a cross in the declared check box, the square box left empty, a
// speck of 20 px in the faint box (5-8 % of its inside: near the checked threshold, so doubtful).
void write_form(const fs::path& dir) {
  cv::Mat templ(300, 1200, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  cv::Mat scan(300, 1200, CV_8UC3, cv::Scalar(255, 255, 255));
  for (const cv::Rect& r : {kNumber, kDeclared, kSquare, kFaint, kText}) {
    cv::rectangle(templ, r, cv::Scalar(0, 0, 255, 255), 2);
    cv::rectangle(scan, r, cv::Scalar(0, 0, 0), 2);
  }
  cv::putText(scan, "1234", {80, 95}, cv::FONT_HERSHEY_SIMPLEX, 1.0, cv::Scalar(0, 0, 0), 2);
  cv::line(scan, {425, 65}, {439, 79}, cv::Scalar(0, 0, 0), 2);
  cv::line(scan, {439, 65}, {425, 79}, cv::Scalar(0, 0, 0), 2);
  cv::rectangle(scan, cv::Rect(630, 70, 5, 4), cv::Scalar(0, 0, 0), cv::FILLED);
  cv::imwrite((dir / "template.png").string(), templ);
  cv::imwrite((dir / "scan.png").string(), scan);
}

const nlohmann::json* field_named(const nlohmann::json& page, const std::string& name) {
  for (const auto& f : page["fields"])
    if (f["name"] == name) return &f;
  return nullptr;
}

TEST(TypedFieldsCli, TypesCheckBoxesAndReview) {
  const fs::path dir = testing::fresh_dir("mlxocr_typed_fields");
  write_form(dir);
  std::ofstream(dir / "fields.json") << R"([
    {"x": 60, "y": 60, "name": "amount due", "type": "pattern", "pattern": "[0-9]+"},
    {"x": 425, "y": 65, "name": "agree", "type": "checkbox"},
    {"x": 525, "y": 65, "name": "square"},
    {"x": 625, "y": 65, "name": "faint", "type": "checkbox"},
    {"x": 60, "y": 170, "name": "notes", "type": "text"}])";
  for (const char* beams : {"1", "3"}) {
    const fs::path out = dir / (std::string("out") + beams);
    const auto result = testing::run_cli(
        "ocr --format json --max-new-tokens 6 --num-beams " + std::string(beams) + " -m " +
        testing::quoted_model() + " --template '" + (dir / "template.png").string() +
        "' --fields '" + (dir / "fields.json").string() + "' --review-below 0.99 '" +
        (dir / "scan.png").string() + "' -o '" + out.string() + "'");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    std::ifstream in(out / "scan.json");
    const auto page = nlohmann::json::parse(in);
    ASSERT_EQ(page["fields"].size(), 5u);

    const auto* amount = field_named(page, "amount due");
    ASSERT_NE(amount, nullptr);
    EXPECT_EQ((*amount)["type"], "pattern");
    // Whatever the random-weight model reads, it can only be digits (one leading space aside), and
    // "valid" says whether it is a whole match.
    const std::string text = (*amount)["text"];
    EXPECT_TRUE(std::regex_match(text, std::regex(" ?[0-9]*"))) << text;
    EXPECT_EQ((*amount)["valid"].get<bool>(), std::regex_match(text, std::regex(" ?[0-9]+")));

    const auto* agree = field_named(page, "agree");
    ASSERT_NE(agree, nullptr);
    EXPECT_EQ((*agree)["type"], "checkbox");
    EXPECT_EQ((*agree)["checked"], true);
    EXPECT_EQ((*agree)["text"], "[x]");
    const auto* square = field_named(page, "square");
    ASSERT_NE(square, nullptr);
    EXPECT_EQ((*square)["type"], "checkbox");  // found by its shape
    EXPECT_EQ((*square)["checked"], false);
    EXPECT_GT((*square)["confidence"].get<double>(), 0.95);
    const auto* notes = field_named(page, "notes");
    ASSERT_NE(notes, nullptr);
    EXPECT_EQ((*notes)["type"], "text");
    EXPECT_TRUE((*notes)["valid"].get<bool>());

    // Review: every field below 0.99 or invalid, counted in the summary line.
    size_t expected = 0;
    for (const auto& f : page["fields"])
      expected += f["confidence"].get<double>() < 0.99 || !f.value("valid", true);
    std::ifstream csv(out / "review.csv");
    size_t rows = 0;
    for (std::string line; std::getline(csv, line);)
      ++rows;
    EXPECT_EQ(rows, expected + 1);
    EXPECT_NE(result.err.find(std::to_string(expected) + " to review"), std::string::npos)
        << result.err;
    std::ifstream html_file(out / "review.html");
    const std::string html((std::istreambuf_iterator<char>(html_file)), {});
    EXPECT_NE(html.find(std::to_string(expected) + " field(s) to review"), std::string::npos);
    if (expected > 0 && (*amount)["confidence"].get<double>() < 0.99) {
      EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
    }
    // Check boxes: the box's inside their ink was read from, in the crops folder and, for a
    // doubtful one, in review.html, so that a person can see the tick the reading weighed.
    const auto* faint = field_named(page, "faint");
    ASSERT_NE(faint, nullptr);
    EXPECT_LT((*faint)["confidence"].get<double>(), 0.99);
    for (const auto* box : {agree, square, faint}) {
      char crop[16];
      std::snprintf(crop, sizeof crop, "%03d.png", (*box)["index"].get<int>());
      const cv::Mat picture = cv::imread((out / "scan.crops" / crop).string());
      EXPECT_FALSE(picture.empty()) << crop;
      EXPECT_LE(picture.cols, 24) << crop;  // the box's inside, not a text crop
      const std::string img = "<img alt=\"field " + std::to_string((*box)["index"].get<int>()) +
                              "\" src=\"data:image/png;base64,";
      const bool doubtful = (*box)["confidence"].get<double>() < 0.99;
      EXPECT_EQ(html.find(img) != std::string::npos, doubtful) << (*box)["name"];
    }
  }
}

TEST(TypedFieldsCli, UnknownTypeAndReviewWithoutOutputAreOneClearLine) {
  const fs::path dir = testing::fresh_dir("mlxocr_typed_fields_bad");
  write_form(dir);
  std::ofstream(dir / "fields.json") << R"([{"x": 60, "y": 60, "name": "n", "type": "numbr"}])";
  const auto bad = testing::run_cli(
      "ocr -m " + testing::quoted_model() + " --template '" + (dir / "template.png").string() +
      "' --fields '" + (dir / "fields.json").string() + "' '" + (dir / "scan.png").string() + "'");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("fields.json: entry 0: unknown type \"numbr\""), std::string::npos)
      << bad.err;
  const auto no_dir = testing::run_cli("ocr -m " + testing::quoted_model() +
                                       " --review-below 0.5 '" + (dir / "scan.png").string() + "'");
  EXPECT_EQ(no_dir.exit_code, 2);
  EXPECT_NE(no_dir.err.find("--review-below"), std::string::npos) << no_dir.err;
}

}  // namespace
}  // namespace mlxocr
