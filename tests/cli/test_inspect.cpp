#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::fixtures;
using testing::run_cli;

nlohmann::json reference_info(const std::string& variant) {
  std::ifstream in(fixtures() / "reference" / (variant + ".json"));
  return nlohmann::json::parse(in);
}

class InspectTest : public ::testing::TestWithParam<std::string> {};

// num_parameters as transformers counts it, and the architecture flags transformers saw.
TEST_P(InspectTest, JsonMatchesTransformers) {
  const std::string variant = GetParam();
  const auto result = run_cli("inspect --json '" + testing::model_fixture(variant).string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto j = nlohmann::json::parse(result.out);
  const auto ref = reference_info(variant);
  EXPECT_EQ(j["num_parameters"], ref["num_parameters"]);
  EXPECT_EQ(j["decoder"]["tie_word_embeddings"], ref["output_projection_tied"]);
  EXPECT_EQ(j["enc_to_dec_proj"], ref["has_enc_to_dec_proj"]);
  EXPECT_EQ(j["dtype"], ref["stored_dtype"]);
  EXPECT_TRUE(j["warnings"].empty()) << j["warnings"].dump();
}

TEST_P(InspectTest, TextNamesTheArchitecture) {
  const auto result = run_cli("inspect '" + testing::model_fixture(GetParam()).string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("parameters"), std::string::npos);
  EXPECT_NE(result.out.find("trocr"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Variants, InspectTest, ::testing::ValuesIn(testing::kModelVariants),
                         testing::VariantName());

TEST(Cli, VersionNamesMlxAndBackend) {
  const auto result = run_cli("--version");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("MLX 0."), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("backend cpu"), std::string::npos) << result.out;
}

TEST(Cli, MissingModelIsOneClearLine) {
  const auto result = run_cli("inspect /nonexistent/model");
  EXPECT_EQ(result.exit_code, 2);  // a user error
  EXPECT_NE(result.err.find("no such model folder: /nonexistent/model"), std::string::npos)
      << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

// The image processor and the Pillow resize order it runs with, for a transformers 5 folder
// (processor_config.json only) and under MLXOCR_PILLOW; "--" before MODEL works as everywhere.
TEST(Cli, InspectShowsTheProcessorAndItsPillowOrder) {
  const std::string v5 = (testing::fixtures() / "stacks" / "v5" / "model").string();
  const char* suite_value = std::getenv("MLXOCR_PILLOW");  // the children inherit it
  const std::string saved = suite_value ? suite_value : "";
  ::unsetenv("MLXOCR_PILLOW");
  const auto json_result = run_cli("inspect --json -- '" + v5 + "'");
  const auto text = run_cli("inspect '" + v5 + "'");
  ::setenv("MLXOCR_PILLOW", "12", 1);
  const auto as_12 = run_cli("inspect --json '" + v5 + "'");
  if (suite_value) {
    ::setenv("MLXOCR_PILLOW", saved.c_str(), 1);
  } else {
    ::unsetenv("MLXOCR_PILLOW");
  }
  ASSERT_EQ(json_result.exit_code, 0) << json_result.err;
  const auto j = nlohmann::json::parse(json_result.out);
  EXPECT_EQ(j["image_processor"]["height"], 32);
  EXPECT_EQ(j["image_processor"]["pillow_resize_order"], "13");
  EXPECT_NE(text.out.find("Pillow 13"), std::string::npos) << text.out;
  ASSERT_EQ(as_12.exit_code, 0) << as_12.err;
  EXPECT_EQ(nlohmann::json::parse(as_12.out)["image_processor"]["pillow_resize_order"], "12");
}

}  // namespace
}  // namespace mlxocr
