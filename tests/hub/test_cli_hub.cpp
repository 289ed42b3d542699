// The commands take hub ids: found in the cache, downloaded from the (local) hub when absent.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "hub/hub_test_util.h"
#include "io/model_resolver.h"
#include "pipeline/recognizer.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::kCommit;
using testing::kRepo;
using testing::LocalHubServer;
using testing::run_cli;
using testing::ScopedEnv;
using testing::TempDir;

// A local hub serving the vit-trocr fixture and an empty cache, both named by the environment
// the commands read.
class CliHubTest : public ::testing::Test {
 protected:
  CliHubTest() : cache_("cli-hub") {
    server_.add_repo(kRepo, testing::fixture_repo());
    env_.set("HF_ENDPOINT", server_.endpoint());
    env_.set("HF_HUB_CACHE", cache_.path().string());
    for (const char* name : {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN",
                             "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH"}) {
      env_.unset(name);
    }
    env_.set("HF_HOME", (cache_ / "home").string());  // no token file from the machine
  }
  fs::path snapshot() const {
    return cache_ / "models--mlxocr-test--tiny-trocr" / "snapshots" / kCommit;
  }

  LocalHubServer server_;
  TempDir cache_;
  ScopedEnv env_;
};

TEST_F(CliHubTest, InspectTokenizeAndConvertTakeAHubId) {
  const auto inspect = run_cli(std::string("inspect --json ") + kRepo);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  const auto j = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(j["model"], kRepo);
  EXPECT_EQ(j["folder"], snapshot().string());
  EXPECT_EQ(j["num_parameters"], 168416);
  // Not a terminal: one line per file downloaded instead of a progress bar.
  EXPECT_NE(inspect.err.find("downloading mlxocr-test/tiny-trocr/model.safetensors"),
            std::string::npos)
      << inspect.err;

  server_.stop();  // from now on, the cache only
  const auto from_hub = run_cli(std::string("tokenize --model ") + kRepo + " 'Hello world'");
  const auto local = run_cli("tokenize --model '" + testing::model_fixture("vit-trocr").string() +
                             "' 'Hello world'");
  ASSERT_EQ(from_hub.exit_code, 0) << from_hub.err;
  EXPECT_EQ(from_hub.out, local.out);
  EXPECT_EQ(from_hub.err, "");  // nothing downloaded

  const fs::path out = cache_ / "converted";
  const auto convert = run_cli(std::string("convert -i ") + kRepo + " -o '" + out.string() +
                               "' -q 8 --group-size 32");
  ASSERT_EQ(convert.exit_code, 0) << convert.err;
  const auto converted = run_cli("inspect --json '" + out.string() + "'");
  ASSERT_EQ(converted.exit_code, 0) << converted.err;
  EXPECT_EQ(nlohmann::json::parse(converted.out)["quantization"]["bits"], 8);
}

TEST_F(CliHubTest, ModelsListsTheCacheAndConvertedFolders) {
  ASSERT_EQ(run_cli(std::string("inspect ") + kRepo).exit_code, 0);
  const fs::path models = cache_ / "models";
  ASSERT_EQ(run_cli("convert -i '" + testing::model_fixture("odd").string() + "' -o '" +
                    (models / "odd-f16").string() + "' --dtype float16")
                .exit_code,
            0);
  const auto listed = run_cli("models --json '" + models.string() + "'");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto j = nlohmann::json::parse(listed.out);
  ASSERT_EQ(j["hub"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["hub"][0]["name"], kRepo);
  EXPECT_EQ(j["hub"][0]["refs"], nlohmann::json::array({"main"}));
  EXPECT_EQ(j["hub"][0]["kind"], "hub cache (model.safetensors)");
  EXPECT_GT(j["hub"][0]["bytes"].get<long>(), 683000);
  ASSERT_EQ(j["folders"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["folders"][0]["kind"], "mlxocr float16");
  const auto text = run_cli("models --verify '" + models.string() + "'");
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("mlxocr-test/tiny-trocr@main"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("odd-f16"), std::string::npos) << text.out;
}

TEST_F(CliHubTest, HubErrorsAreOneLine) {
  for (const std::string& args :
       {std::string("inspect mlxocr-test/nothing"), std::string("inspect ") + kRepo + "@nope",
        std::string("tokenize --model mlxocr-test/nothing hi")}) {
    const auto result = run_cli(args);
    EXPECT_EQ(result.exit_code, 1) << args;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_NE(result.err.find("mlxocr-test/"), std::string::npos) << result.err;
  }
  env_.set("HF_HUB_OFFLINE", "1");
  const auto offline = run_cli(std::string("inspect ") + kRepo);
  EXPECT_EQ(offline.exit_code, 1);
  EXPECT_NE(offline.err.find("HF_HUB_OFFLINE"), std::string::npos) << offline.err;
  EXPECT_EQ(server_.request_count(), 3u);  // the three requests above, none offline
}

// What `mlxocr recognize --model ORG/NAME` will run: the recognizer on the resolved folder.
TEST_F(CliHubTest, RecognizerRunsOnAHubModel) {
  const std::vector<fs::path> images = {testing::fixtures() / "images" / "photo_rgb.jpg",
                                        testing::fixtures() / "images" / "table_rgb.png"};
  const Recognizer from_hub(resolve_model(kRepo));
  server_.stop();
  const Recognizer cached(resolve_model(std::string(kRepo) + "@" + kCommit));
  const Recognizer local(testing::model_fixture("vit-trocr"));
  const GenerationConfig options{.max_new_tokens = 12};
  const auto expected = local.recognize(images, options, 2);
  for (const Recognizer* recognizer : {&from_hub, &cached}) {
    const auto lines = recognizer->recognize(images, options, 2);
    ASSERT_EQ(lines.size(), expected.size());
    for (size_t i = 0; i < lines.size(); ++i)
      EXPECT_EQ(lines[i].token_ids, expected[i].token_ids);
  }
}

}  // namespace
}  // namespace mlxocr
