// A model folder's calibration.json as users meet it: recognize reports the calibrated line and
// word confidences (checked against the formulas applied here to the raw readings of the same
// folder without the file), a malformed file is one named error with exit 2, inspect says whether
// a model is calibrated; and the pipeline does not ask the model about a crop without ink.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "cli_support.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

// A copy of the fixture model with `calibration` (when not empty) as its calibration.json.
fs::path model_copy(const testing::TempDir& dir, const std::string& name,
                    const std::string& calibration) {
  const fs::path copy = dir / name;
  fs::copy(testing::model_fixture("deit-trocr"), copy, fs::copy_options::recursive);
  if (!calibration.empty()) std::ofstream(copy / "calibration.json") << calibration;
  return copy;
}

double sigmoid(double z) {
  return 1 / (1 + std::exp(-z));
}

nlohmann::json recognize(const fs::path& model) {
  const fs::path images = testing::fixtures() / "images";
  const auto run =
      run_cli("recognize --format json --num-beams 2 --max-new-tokens 6 --model " + quoted(model) +
              " " + quoted(images / "photo_rgb.jpg") + " " + quoted(images / "table_rgb.png"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return nlohmann::json::parse(run.out);
}

TEST(CalibrationCli, RecognizeReportsTheCalibratedConfidences) {
  testing::TempDir dir("calibration-cli");
  const double a = 2.5, b = 1.25, c = -0.5, wa = 3.0, wb = 0.75;
  const fs::path calibrated = model_copy(dir, "calibrated",
                                         nlohmann::json{{"method", "platt"},
                                                        {"line", {{"a", a}, {"b", b}, {"c", c}}},
                                                        {"word", {{"a", wa}, {"b", wb}}},
                                                        {"fit", {{"data", "made by the test"}}}}
                                             .dump());
  const fs::path raw = model_copy(dir, "raw", "");
  const auto got = recognize(calibrated);
  const auto before = recognize(raw);
  ASSERT_EQ(got.size(), 2u);
  ASSERT_EQ(before.size(), 2u);
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& line = got[i];
    ASSERT_EQ(line["token_ids"], before[i]["token_ids"]);  // the same reading
    double sum = 0;
    for (const auto& lp : line["token_logprobs"])
      sum += lp.get<double>();
    const double n = static_cast<double>(line["token_logprobs"].size());
    ASSERT_GT(n, 0);
    // Absent: the raw confidence, exp(mean log-prob), as before.
    EXPECT_NEAR(before[i]["confidence"].get<double>(), std::exp(sum / n), 1e-6);
    EXPECT_NEAR(line["confidence"].get<double>(), sigmoid(a * sum / n + b + c * std::log(n)), 1e-6);
    ASSERT_EQ(line["words"].size(), before[i]["words"].size());
    for (size_t w = 0; w < line["words"].size(); ++w) {
      const double raw_word = before[i]["words"][w]["confidence"].get<double>();
      EXPECT_NEAR(line["words"][w]["confidence"].get<double>(),
                  sigmoid(wa * std::log(raw_word) + wb), 1e-6);
    }
  }
}

TEST(CalibrationCli, AMalformedFileIsOneNamedErrorExit2) {
  testing::TempDir dir("calibration-cli");
  const fs::path model =
      model_copy(dir, "bad", R"({"method": "platt", "line": {"a": "steep", "b": 0}})");
  const auto run = run_cli("recognize --model " + quoted(model) + " " +
                           quoted(testing::fixtures() / "images" / "photo_rgb.jpg"));
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(run.err.rfind("mlxocr: error: ", 0), 0u) << run.err;
  EXPECT_NE(run.err.find((model / "calibration.json").string() + ": line.a: must be a number"),
            std::string::npos)
      << run.err;
  EXPECT_TRUE(run.out.empty());
  const auto ocr = run_cli("ocr -q --model " + quoted(model) + " " +
                           quoted(testing::fixtures() / "images" / "photo_rgb.jpg"));
  EXPECT_EQ(ocr.exit_code, 2) << ocr.err;
  EXPECT_NE(ocr.err.find("line.a"), std::string::npos) << ocr.err;
}

TEST(CalibrationCli, InspectSaysWhetherAModelIsCalibrated) {
  testing::TempDir dir("calibration-cli");
  const fs::path raw = model_copy(dir, "raw", "");
  const fs::path calibrated = model_copy(dir, "calibrated",
                                         R"({"method": "temperature", "line": {"temperature": 2},
                     "fit": {"ece_before": 0.25, "ece_after": 0.03}})");
  const auto none = nlohmann::json::parse(run_cli("inspect --json " + quoted(raw)).out);
  EXPECT_TRUE(none["calibration"].is_null());
  const auto some = nlohmann::json::parse(run_cli("inspect --json " + quoted(calibrated)).out);
  EXPECT_EQ(some["calibration"]["method"], "temperature");
  EXPECT_EQ(some["calibration"]["levels"], nlohmann::json({"line"}));
  const auto text = run_cli("inspect " + quoted(calibrated));
  EXPECT_NE(text.out.find("calibration    temperature (line confidences), ECE 0.250 -> 0.030"),
            std::string::npos)
      << text.out;
  EXPECT_NE(run_cli("inspect " + quoted(raw)).out.find("calibration    none"), std::string::npos);
}

// Paper with scan grain and a few faint specks, no ink: the pipeline gives the empty text with
// confidence 1 without decoding (the fixture's random weights would never give exactly 1).
TEST(CalibrationCli, ACropWithoutInkIsNotReadByTheModel) {
  testing::TempDir dir("calibration-cli");
  std::mt19937 rng(7);
  std::normal_distribution<double> grain(0, 4);
  cv::Mat paper(48, 400, CV_8UC1);
  for (int y = 0; y < paper.rows; ++y) {
    for (int x = 0; x < paper.cols; ++x)
      paper.at<uchar>(y, x) = cv::saturate_cast<uchar>(225 + 0.02 * x + grain(rng));
  }
  paper.at<uchar>(20, 100) = 200;  // a speck, far lighter than ink
  const fs::path file = dir / "blank.png";
  ASSERT_TRUE(cv::imwrite(file.string(), paper));
  const auto run = run_cli("ocr -q --format json --model " +
                           quoted(testing::model_fixture("deit-trocr")) + " " + quoted(file));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto field = nlohmann::json::parse(run.out)["fields"][0];
  EXPECT_EQ(field["text"], "");
  EXPECT_EQ(field["confidence"].get<double>(), 1.0);
  // The model alone reads it (recognize decodes every image it is given).
  const auto alone = run_cli("recognize --format json --max-new-tokens 4 --model " +
                             quoted(testing::model_fixture("deit-trocr")) + " " + quoted(file));
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  EXPECT_FALSE(nlohmann::json::parse(alone.out)[0]["token_ids"].empty());
}

}  // namespace
}  // namespace mlxocr
