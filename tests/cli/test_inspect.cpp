#include <gtest/gtest.h>

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

}  // namespace
}  // namespace mlxocr
