// The bundled default model (models/mlxocr-fields-tiny) against the truth the generator wrote:
// held-out lines in fonts it never saw in training, and the demo's sample form, read the way a
// user does (no --model). The bounds are loose versions of the figures measured on 2026-11-26
// (run 21: 2.2 % CER on these 40 lines, 0.0 % on the form), so that a broken model,
// preprocessing, alignment, field-crop fitting (whole boxes: 17 % on test forms) or
// default-model lookup fails (random weights read ~100 %), not a rounding change. How well the
// model reads is measured in bench/QUALITY.md, not here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_support.h"
#include "eval/metrics.h"
#include "hub/hub_test_util.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::read_json;
using testing::run_cli;
using testing::ScopedEnv;

const fs::path kRoot = fs::path(MLXOCR_FIXTURES_DIR).parent_path().parent_path();
constexpr double kHeldOutCerBound = 0.20;
constexpr double kFormCerBound = 0.10;

TEST(BundledModel, ReadsHeldOutFontLines) {
  ScopedEnv env;
  env.unset("MLXOCR_DEFAULT_MODEL");  // the bundled copy, whatever the caller's environment
  testing::TempDir dir("bundled");
  const fs::path data = fs::path(MLXOCR_FIXTURES_DIR) / "heldout_lines" / "metadata.csv";
  const auto run = run_cli("eval --data '" + data.string() + "' --json '" +
                           (dir.path() / "eval.json").string() + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json result = read_json(dir.path() / "eval.json");
  EXPECT_EQ(result["evaluated"], 40);
  EXPECT_LT(result["cer"].get<double>(), kHeldOutCerBound) << run.out;
}

TEST(BundledModel, ReadsTheSampleForm) {
  ScopedEnv env;
  env.unset("MLXOCR_DEFAULT_MODEL");
  testing::TempDir dir("bundled");
  const auto run =
      run_cli("ocr --template '" + (kRoot / "tests/fixtures/forms/00_template.png").string() +
              "' --align --format json --no-images -o '" + dir.path().string() + "' '" +
              (kRoot / "samples/form.png").string() + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json read = read_json(dir.path() / "form.json");
  const nlohmann::json truth = read_json(kRoot / "samples/form.json");
  std::vector<std::string> predictions, references;
  for (const auto& field : truth["fields"]) {
    references.push_back(field["text"]);
    std::string text;
    for (const auto& r : read["fields"])
      if (r["index"] == field["field"]) text = r["text"];
    predictions.push_back(text);
  }
  ASSERT_EQ(predictions.size(), 18u);
  const TextMetrics m = compute_metrics(predictions, references);
  EXPECT_LT(m.cer, kFormCerBound) << run.out;
}

}  // namespace
}  // namespace mlxocr
