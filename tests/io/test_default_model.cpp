// The default model behind a missing --model: MLXOCR_DEFAULT_MODEL, else the bundled folder.
#include <gtest/gtest.h>

#include "hub/hub_test_util.h"
#include "io/default_model.h"
#include "io/model_resolver.h"
#include "mlxocr/error.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::ScopedEnv;

const fs::path kFixtureModel = fs::path(MLXOCR_FIXTURES_DIR) / "models" / "vit-trocr";

TEST(DefaultModel, TheEnvironmentVariableChoosesIt) {
  ScopedEnv env;
  env.set("MLXOCR_DEFAULT_MODEL", kFixtureModel.string());
  EXPECT_EQ(default_model_dir(), kFixtureModel);
  EXPECT_EQ(resolve_model(""), kFixtureModel);  // no --model = the default
}

TEST(DefaultModel, AMissingOneIsNamedWithWhatToDo) {
  ScopedEnv env;
  env.set("MLXOCR_DEFAULT_MODEL", "/no/such/model");
  const std::string message = testing::error_of<UsageError>([] { resolve_model(""); });
  EXPECT_NE(message.find("/no/such/model"), std::string::npos) << message;
  EXPECT_NE(message.find("MLXOCR_DEFAULT_MODEL"), std::string::npos) << message;
  EXPECT_NE(message.find("give a model folder or a hub id"), std::string::npos) << message;
}

}  // namespace
}  // namespace mlxocr
