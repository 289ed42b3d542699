// `mlxocr bench` end to end on a tiny fixture model: one run, every key of the report there and
// sane. Speed is never asserted (a benchmark is a program, not a test).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::model_fixture;
using testing::run_cli;
using testing::TempDir;

TEST(CliBench, ReportsEveryFigureOfTheProtocol) {
  const TempDir dir("cli-bench");
  const auto json_file = dir / "bench.json";
  const auto result =
      run_cli("bench --model '" + model_fixture("vit-trocr").string() +
              "' --runs 1 --warmup 1 --new-tokens 3 --batch-sizes 1,8 --num-beams 1,4 "
              "--no-limits --json '" +
              json_file.string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("encoder_ms_per_image"), std::string::npos);  // the summary
  std::ifstream in(json_file);
  const nlohmann::json r = nlohmann::json::parse(in);
  EXPECT_EQ(r["system"], "mlxocr");
  EXPECT_EQ(r["dtype"], "float32");
  EXPECT_EQ(r["workload"]["new_tokens"], 3);
  EXPECT_EQ(r["workload"]["image_source"], "rendered");
  EXPECT_GT(r["load_ms"].get<double>(), 0.0);
  EXPECT_GT(r["peak_rss_mb"].get<double>(), 1.0);
  EXPECT_FALSE(r.contains("limits"));
  for (const char* key :
       {"encoder_ms_per_image", "decoder_ms_per_token", "e2e_ms_per_region_batch1",
        "regions_per_s_batch1", "e2e_ms_per_region_batch8", "regions_per_s_batch8",
        "ms_per_region_beams4"}) {
    ASSERT_TRUE(r["metrics"].contains(key)) << key;
    EXPECT_GT(r["metrics"][key].get<double>(), 0.0) << key;
    EXPECT_EQ(r["samples"][key].size(), 1u) << key;
  }
  EXPECT_FALSE(r["metrics"].contains("ms_per_region_beams1"));
  // batch 8 at 3 tokens: regions/s is 8 regions over the time of the batch.
  EXPECT_NEAR(r["metrics"]["regions_per_s_batch8"].get<double>(),
              1000.0 / r["metrics"]["e2e_ms_per_region_batch8"].get<double>(), 1e-6);
  EXPECT_GT(r["analysis"]["encoder_gflop_per_image"].get<double>(), 0.0);
  EXPECT_GT(r["analysis"]["decoder_weight_mb_per_token"].get<double>(), 0.0);
}

TEST(CliBench, MachineLimitsAndAnalysis) {
  const auto result =
      run_cli("bench --model '" + model_fixture("deit-trocr").string() +
              "' --runs 1 --warmup 0 --new-tokens 1 --batch-sizes 1 --num-beams 1 --threads 1");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const nlohmann::json r = nlohmann::json::parse(result.out);  // JSON on stdout without --json
  EXPECT_GT(r["limits"]["sgemm_gflops"].get<double>(), 0.0);
  EXPECT_GT(r["limits"]["read_bandwidth_gbs"].get<double>(), 0.0);
  EXPECT_GT(r["analysis"]["encoder_fraction_of_sgemm"].get<double>(), 0.0);
  EXPECT_GT(r["analysis"]["decoder_bound_ms_per_token"].get<double>(), 0.0);
  EXPECT_GT(r["analysis"]["decoder_ms_over_bound"].get<double>(), 0.0);
  EXPECT_FALSE(r["blas"].get<std::string>().empty());
}

TEST(CliBench, BadInputIsOneClearLine) {
  const TempDir dir("cli-bench-bad");
  const std::string model = " --model '" + model_fixture("vit-trocr").string() + "'";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bench", "--model or --arch"},
      {"bench --arch trocr-small" + model, "--model or --arch"},
      {"bench --runs 0" + model, "--runs"},
      {"bench --quantize 3" + model, "--quantize"},
      {"bench --images '" + (dir / "missing").string() + "'" + model, "missing"},
      {"bench --images '" + dir.path().string() + "'" + model, "no images"},
      {"bench --model '" + (dir / "nothing").string() + "'", "nothing"},
  };
  for (const auto& [args, expected] : cases) {
    const auto result = run_cli(args + " --no-limits");
    EXPECT_NE(result.exit_code, 0) << args;
    EXPECT_NE(result.err.find(expected), std::string::npos) << args << ": " << result.err;
    // Progress lines ("[bench] ...") may come first; then one error line, the last.
    std::istringstream lines(result.err);
    std::string line, last;
    int errors = 0;
    while (std::getline(lines, line)) {
      errors += line.rfind("mlxocr: error: ", 0) == 0;
      EXPECT_TRUE(line.rfind("mlxocr: error: ", 0) == 0 || line.rfind("[bench] ", 0) == 0) << line;
      last = line;
    }
    EXPECT_EQ(errors, 1) << result.err;
    EXPECT_EQ(last.rfind("mlxocr: error: ", 0), 0u) << result.err;
  }
}

}  // namespace
}  // namespace mlxocr
