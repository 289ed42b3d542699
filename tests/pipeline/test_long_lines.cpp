// Long lines through the whole pipeline with the bundled model (32x384 input, at most 62 new
// tokens). The lines are tests/fixtures/long_lines/*.png, drawn by
// tools/long_lines/make_long_lines.py in C059 Roman (URW base35), a font the bundled model was
// not trained on (tools/synth's held-out printed fonts); their texts are in labels.csv there.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include <opencv2/imgcodecs.hpp>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "eval/metrics.h"
#include "image/word_boxes.h"
#include "mlxocr/pipeline.h"
#include "pipeline/line_windows.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

fs::path line_file(const std::string& name) {
  return testing::fixtures() / "long_lines" / name;
}

// labels.csv: file_name,text (texts without commas or quotes).
std::map<std::string, std::string> labels() {
  std::ifstream in(line_file("labels.csv"));
  std::map<std::string, std::string> texts;
  std::string row;
  std::getline(in, row);  // header
  while (std::getline(in, row)) {
    const size_t comma = row.find(',');
    texts[row.substr(0, comma)] = row.substr(comma + 1);
  }
  return texts;
}

FieldResult read_line(const std::string& name, bool windows, double window_aspect = 0) {
  PipelineOptions options;
  options.models = {""};  // the bundled model
  options.mode = RegionMode::kLine;
  options.window_long_lines = windows;
  options.window_aspect = window_aspect;
  Pipeline pipeline(options);
  const std::vector<PageResult> pages = pipeline.run({line_file(name).string()});
  EXPECT_EQ(pages.size(), 1u);
  EXPECT_TRUE(pages.at(0).error.empty()) << pages.at(0).error;
  EXPECT_EQ(pages.at(0).fields.size(), 1u);
  return pages.at(0).fields.at(0);
}

double cer(const std::string& truth, const std::string& read) {
  return compute_metrics({read}, {truth}).cer;
}

// Words in order along the line, inside the image, on separate columns.
void expect_words_along(const FieldResult& line, int width, int height) {
  ASSERT_FALSE(line.words.empty());
  std::string joined;
  int right = -1;
  for (const WordResult& w : line.words) {
    joined += (joined.empty() ? "" : " ") + w.text;
    EXPECT_GE(w.box.x, 0);
    EXPECT_GE(w.box.y, 0);
    EXPECT_LE(w.box.x + w.box.w, width);
    EXPECT_LE(w.box.y + w.box.h, height);
    EXPECT_GE(w.box.x, right) << "\"" << w.text << "\" overlaps the word before it";
    right = w.box.x + w.box.w;
  }
  EXPECT_EQ(joined, line.text);
}

TEST(LongLines, ALineThatFitsReadInWindowsGivesTheTextReadWhole) {
  const std::string truth = labels().at("fits.png");
  const FieldResult whole = read_line("fits.png", true);  // fits: read whole as before
  EXPECT_LT(cer(truth, whole.text), 0.05) << whole.text;
  // Windows of at most 4 times the height: the line's 7 words in 3 or more windows.
  const cv::Mat image = cv::imread(line_file("fits.png").string());
  EXPECT_TRUE(plan_windows(measure_line_ink(image), window_rule(384, 32, 62)).windows.empty());
  EXPECT_GE(plan_windows(measure_line_ink(image), window_rule(384, 32, 62, 4)).windows.size(), 3u);
  const FieldResult windowed = read_line("fits.png", true, 4);
  EXPECT_EQ(windowed.text, whole.text);
  expect_words_along(windowed, 1000000, 1000000);
}

TEST(LongLines, ALongLineIsReadInWindows) {
  const std::string truth = labels().at("long.png");
  ASSERT_GT(truth.size(), 62u) << "longer than the model can emit in one reading";
  const FieldResult whole = read_line("long.png", false);
  const FieldResult windowed = read_line("long.png", true);
  EXPECT_LT(cer(truth, windowed.text), 0.05) << windowed.text;
  EXPECT_LT(cer(truth, windowed.text), cer(truth, whole.text)) << whole.text;
  const cv::Mat image = cv::imread(line_file("long.png").string());
  expect_words_along(windowed, image.cols, image.rows);
}

TEST(LongLines, NoWindowsOnTheCommandLineReadsTheLineWhole) {
  const std::string file = "'" + line_file("long.png").string() + "'";
  const auto help = testing::run_cli("ocr --help");
  EXPECT_NE(help.out.find("--no-windows"), std::string::npos);
  EXPECT_NE(help.out.find("Long lines:"), std::string::npos);
  const auto windowed = testing::run_cli("ocr -q --format json " + file);
  const auto whole = testing::run_cli("ocr -q --format json --no-windows " + file);
  ASSERT_EQ(windowed.exit_code, 0) << windowed.err;
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const std::string truth = labels().at("long.png");
  const std::string read_windowed = nlohmann::json::parse(windowed.out)["fields"][0]["text"];
  const std::string read_whole = nlohmann::json::parse(whole.out)["fields"][0]["text"];
  EXPECT_LT(cer(truth, read_windowed), cer(truth, read_whole));
}

}  // namespace
}  // namespace mlxocr
