// 8-bit recognition through the CLI on every int8 path this CPU can run (MLXOCR_INT8_PATH, see
// src/kernels/cpu/int8_path.h): a model converted with -q 8 --quantize-encoder (groups of 32, the
// fixtures' widths) reads the same text with the same scores on every path, since all paths
// compute the same bits; bench reports the model's quantization and the path it took; a path
// that is not one is refused in one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli_support.h"
#include "kernels/cpu/int8_path.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using kernel::Int8Path;
using testing::fixtures;
using testing::run_cli;
using testing::TempDir;

using testing::quoted;

// run_cli with one variable set in the environment the binary inherits, restored after.
testing::CliResult run_with(const std::string& name, const std::string& value,
                            const std::string& args) {
  const char* before = std::getenv(name.c_str());
  const std::optional<std::string> saved =
      before ? std::optional<std::string>(before) : std::nullopt;
  ::setenv(name.c_str(), value.c_str(), 1);
  testing::CliResult result = run_cli(args);
  if (saved)
    ::setenv(name.c_str(), saved->c_str(), 1);
  else
    ::unsetenv(name.c_str());
  return result;
}

testing::CliResult run_on(Int8Path path, const std::string& args) {
  return run_with("MLXOCR_INT8_PATH", kernel::int8_path_name(path), args);
}

TEST(CliInt8, EveryPathReadsTheSameTextWithTheSameScores) {
  const TempDir dir("cli-int8");
  const auto model = dir / "q8";
  const auto converted =
      run_cli("convert -i " + quoted(testing::model_fixture("vit-trocr")) + " -o " + quoted(model) +
              " -q 8 --quantize-encoder --group-size 32");
  ASSERT_EQ(converted.exit_code, 0) << converted.err;
  const std::string args = "recognize --format json --max-new-tokens 6 --model " + quoted(model) +
                           " " + quoted(fixtures() / "images" / "photo_rgb.jpg") + " " +
                           quoted(fixtures() / "images" / "table_rgb.png");
  const auto portable = run_on(Int8Path::kPortable, args);
  ASSERT_EQ(portable.exit_code, 0) << portable.err;
  const nlohmann::json read = nlohmann::json::parse(portable.out);
  ASSERT_EQ(read.size(), 2u);
  for (Int8Path path : kernel::int8_paths_available()) {
    const auto result = run_on(path, args);
    ASSERT_EQ(result.exit_code, 0) << kernel::int8_path_name(path) << ": " << result.err;
    EXPECT_EQ(result.out, portable.out) << kernel::int8_path_name(path);
  }

  // bench says what the converted model holds and which path ran.
  const auto bench = run_on(kernel::int8_paths_available().front(),
                            "bench --model " + quoted(model) +
                                " --runs 1 --warmup 0 --new-tokens 1 --batch-sizes 1 "
                                "--num-beams 1 --no-limits");
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  const nlohmann::json r = nlohmann::json::parse(bench.out);
  EXPECT_EQ(r["quantized_bits"], 8);
  EXPECT_EQ(r["quantized_encoder"], true);
  EXPECT_EQ(r["int8_path"], kernel::int8_path_name(kernel::int8_paths_available().front()));
  EXPECT_EQ(r["int8_linear"], true);
}

// The avxvnni path forced, where the CPU has it (elsewhere refused in one line): a model
// converted with -q 8 alone (8-bit decoder, float encoder) reads the portable path's text and
// scores, and bench reports the converted model's 8 bits and the path.
TEST(CliInt8, TheAvxVnniPathReadsThePortableTextAndBenchNamesIt) {
  const TempDir dir("cli-int8-avxvnni");
  const auto model = dir / "q8";
  const auto converted = run_cli("convert -i " + quoted(testing::model_fixture("vit-trocr")) +
                                 " -o " + quoted(model) + " -q 8 --group-size 64");
  ASSERT_EQ(converted.exit_code, 0) << converted.err;
  const std::string args = "recognize --format json --max-new-tokens 6 --model " + quoted(model) +
                           " " + quoted(fixtures() / "images" / "photo_rgb.jpg");
  if (!kernel::int8_path_available(Int8Path::kAvxVnni)) {
    const auto refused = run_on(Int8Path::kAvxVnni, args);
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("MLXOCR_INT8_PATH=avxvnni: this CPU cannot run that path"),
              std::string::npos)
        << refused.err;
    GTEST_SKIP() << "this CPU has no AVX-VNNI: only the refusal of the avxvnni path is tested";
  }
  const auto portable = run_on(Int8Path::kPortable, args);
  ASSERT_EQ(portable.exit_code, 0) << portable.err;
  const auto vnni = run_on(Int8Path::kAvxVnni, args);
  ASSERT_EQ(vnni.exit_code, 0) << vnni.err;
  EXPECT_EQ(vnni.out, portable.out);
  const auto bench = run_on(Int8Path::kAvxVnni, "bench --model " + quoted(model) +
                                                    " --runs 1 --warmup 0 --new-tokens 1 "
                                                    "--batch-sizes 1 --num-beams 1 --no-limits");
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  const nlohmann::json r = nlohmann::json::parse(bench.out);
  EXPECT_EQ(r["quantized_bits"], 8);
  EXPECT_EQ(r["quantized_encoder"], false);
  EXPECT_EQ(r["int8_path"], "avxvnni");
  EXPECT_EQ(r["int8_linear"], true);
}

TEST(CliInt8, APathThatIsNotOneIsRefusedInOneLine) {
  // A float model never reaches an 8-bit layer; the variable is checked before any command.
  const std::string args = "recognize --model " + quoted(testing::model_fixture("vit-trocr")) +
                           " " + quoted(fixtures() / "images" / "photo_rgb.jpg");
  const auto result = run_with("MLXOCR_INT8_PATH", "avx9", args);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("MLXOCR_INT8_PATH=avx9: not a path (one of avx512vnni, avxvnni, "
                            "avx2, portable, off)"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  const auto retired = run_with("MLXOCR_INT8_LINEAR", "0", args);
  EXPECT_NE(retired.exit_code, 0);
  EXPECT_NE(retired.err.find("MLXOCR_INT8_PATH=off"), std::string::npos) << retired.err;
}

}  // namespace
}  // namespace mlxocr
