// The bundled model's calibration.json, as a user meets it: on the 40 held-out-font lines of
// tests/fixtures/heldout_lines (truth from the generator) its line confidences say how often the
// lines are exact, and crops with no text (made here: paper with scan grain, ruling, shapes with
// no letters) read as empty or below 0.5. The bounds are loose versions of what was measured on
// 2026-12-07 (bench/QUALITY.md, "Calibrated confidence"), chosen so that raw confidences fail
// them (raw: no line above 0.91; exact lines 0.89 and wrong ones 0.78 on average; measured with
// calibration: 25 of 33 exact lines above 0.93, wrong ones 0.31 on average), not a rounding change.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <string>
#include <vector>

#include "cli_support.h"
#include "hub/hub_test_util.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;
using testing::ScopedEnv;

const fs::path kRoot = fs::path(MLXOCR_FIXTURES_DIR).parent_path().parent_path();

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

TEST(BundledCalibration, ConfidencesSayHowOftenLinesAreExact) {
  ScopedEnv env;
  env.unset("MLXOCR_DEFAULT_MODEL");  // the bundled copy, whatever the caller's environment
  const fs::path data = fs::path(MLXOCR_FIXTURES_DIR) / "heldout_lines";
  std::ifstream csv(data / "metadata.csv");
  std::string row;
  std::getline(csv, row);  // file_name,text,font,style,kind
  std::vector<std::string> images, truth;
  while (std::getline(csv, row)) {
    const size_t comma = row.find(',');
    images.push_back(row.substr(0, comma));
    // The fixture's texts hold no commas or quotes except where the CSV quotes them.
    std::string rest = row.substr(comma + 1);
    if (!rest.empty() && rest[0] == '"') {
      std::string text;
      for (size_t i = 1; i < rest.size(); ++i) {
        if (rest[i] == '"' && i + 1 < rest.size() && rest[i + 1] == '"') {
          text += '"';
          ++i;
        } else if (rest[i] == '"') {
          break;
        } else {
          text += rest[i];
        }
      }
      truth.push_back(text);
    } else {
      truth.push_back(rest.substr(0, rest.find(',')));
    }
  }
  ASSERT_EQ(images.size(), 40u);
  std::string args = "recognize --format json --batch-size 40";
  for (const std::string& image : images)
    args += " " + quoted(data / image);
  const auto run = run_cli(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto lines = nlohmann::json::parse(run.out);
  ASSERT_EQ(lines.size(), 40u);
  double exact = 0, sum = 0, sum_exact = 0, sum_wrong = 0, sure_exact = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const double confidence = lines[i]["confidence"].get<double>();
    const bool ok = lines[i]["text"] == truth[i];
    exact += ok;
    sum += confidence;
    (ok ? sum_exact : sum_wrong) += confidence;
    sure_exact += ok && confidence > 0.93;
  }
  const double n = static_cast<double>(lines.size());
  ASSERT_GT(exact, 0);
  EXPECT_GE(sure_exact, exact / 2);                                 // raw: none
  EXPECT_NEAR(sum / n, exact / n, 0.1) << exact << " of 40 exact";  // calibration in the large
  if (exact < n) {
    EXPECT_LT(sum_wrong / (n - exact), sum_exact / exact - 0.2);
  }
}

// Line crops with no text: the pipeline (ocr, line mode) gives the empty text or a confidence
// below 0.5, the threshold a user would pick.
TEST(BundledCalibration, CropsWithoutTextAreNotGivenConfidentText) {
  ScopedEnv env;
  env.unset("MLXOCR_DEFAULT_MODEL");
  testing::TempDir dir("bundled-empty");
  std::mt19937 rng(11);
  std::normal_distribution<double> grain(0, 5);
  const auto paper = [&](int w, int h) {
    cv::Mat m(h, w, CV_8UC1);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        m.at<uchar>(y, x) = cv::saturate_cast<uchar>(215 + grain(rng));
    return m;
  };
  std::vector<fs::path> files;
  const auto save = [&](const cv::Mat& m, const std::string& name) {
    files.push_back(dir / name);
    ASSERT_TRUE(cv::imwrite(files.back().string(), m));
  };
  save(paper(420, 48), "blank.png");
  cv::Mat ruled = paper(380, 40);
  cv::line(ruled, {4, 34}, {375, 34}, cv::Scalar(60), 2);  // an underline
  for (int x = 4; x < 376; x += 40)
    cv::line(ruled, {x, 24}, {x, 34}, cv::Scalar(60), 2);  // comb ticks
  save(ruled, "comb.png");
  cv::Mat shapes = paper(400, 44);
  cv::circle(shapes, {40, 22}, 16, cv::Scalar(50), cv::FILLED);
  cv::circle(shapes, {120, 22}, 17, cv::Scalar(50), 2);
  cv::circle(shapes, {120, 22}, 12, cv::Scalar(50), 2);
  cv::rectangle(shapes, {190, 10}, {200, 38}, cv::Scalar(50), cv::FILLED);
  cv::rectangle(shapes, {206, 20}, {216, 38}, cv::Scalar(50), cv::FILLED);
  cv::circle(shapes, {300, 22}, 18, cv::Scalar(50), cv::FILLED);
  save(shapes, "shapes.png");
  std::string args = "ocr -q --format json";
  for (const fs::path& f : files)
    args += " " + quoted(f);
  const auto run = run_cli(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto pages = nlohmann::json::parse(run.out);
  ASSERT_EQ(pages.size(), files.size());
  for (const auto& page : pages) {
    const auto& field = page["fields"][0];
    const std::string text = field["text"];
    EXPECT_TRUE(text.empty() || field["confidence"].get<double>() < 0.5)
        << page["image"] << ": \"" << text << "\" " << field["confidence"];
  }
}

}  // namespace
}  // namespace mlxocr
