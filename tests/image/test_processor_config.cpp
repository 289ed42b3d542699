// preprocessor_config.json in the forms TrOCR checkpoints use, and clear errors otherwise.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/file_util.h"
#include "image/processor.h"
#include "image_fixtures.h"
#include "mlxocr/error.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

// Parses `json`, expecting a ConfigError naming "cfg.json" and containing `phrase`.
void expect_config_error(const std::string& json, const std::string& phrase) {
  try {
    parse_image_processor_config(json, "cfg.json");
    ADD_FAILURE() << "expected ConfigError for " << json;
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("cfg.json"), std::string::npos) << message;
    EXPECT_NE(message.find(phrase), std::string::npos) << "'" << phrase << "' not in " << message;
  }
}

TEST(ProcessorConfig, OldTrOCRForm) {
  // microsoft/trocr-base-handwritten's file.
  const auto c = parse_image_processor_config(
      R"({"do_normalize": true, "do_resize": true, "feature_extractor_type": "ViTFeatureExtractor",
          "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 2,
          "size": 384})",
      "cfg.json");
  EXPECT_TRUE(c.do_resize);
  EXPECT_EQ(c.height, 384);
  EXPECT_EQ(c.width, 384);
  EXPECT_EQ(c.resample, 2);
  EXPECT_TRUE(c.do_rescale);
  EXPECT_EQ(c.rescale_factor, 1 / 255.);
  EXPECT_TRUE(c.do_normalize);
  EXPECT_EQ(c.image_mean, (std::array<float, 3>{0.5f, 0.5f, 0.5f}));
}

TEST(ProcessorConfig, NewAndPairForms) {
  auto c = parse_image_processor_config(
      R"({"image_processor_type": "ViTImageProcessor", "size": {"height": 32, "width": 96},
          "resample": 3, "do_rescale": false, "rescale_factor": 0.5, "do_normalize": false,
          "image_mean": [0.485, 0.456, 0.406], "image_std": 0.25})",
      "cfg.json");
  EXPECT_EQ(c.height, 32);
  EXPECT_EQ(c.width, 96);
  EXPECT_EQ(c.resample, 3);
  EXPECT_FALSE(c.do_rescale);
  EXPECT_EQ(c.rescale_factor, 0.5);
  EXPECT_FALSE(c.do_normalize);
  EXPECT_EQ(c.image_mean[1], 0.456f);
  EXPECT_EQ(c.image_std, (std::array<float, 3>{0.25f, 0.25f, 0.25f}));
  c = parse_image_processor_config(R"({"size": [40, 200]})", "cfg.json");
  EXPECT_EQ(c.height, 40);
  EXPECT_EQ(c.width, 200);
  // Absent keys keep the defaults; null too (as transformers does).
  c = parse_image_processor_config(R"({"resample": null})", "cfg.json");
  EXPECT_EQ(c.resample, 2);
  EXPECT_EQ(c.height, 384);
}

TEST(ProcessorConfig, UnsupportedAndMalformed) {
  expect_config_error(R"({"size": {"shortest_edge": 384}})", "shortest_edge");
  expect_config_error(R"({"size": {"longest_edge": 384}})", "unsupported");
  expect_config_error(R"({"size": {"height": 32}})", "\"height\" and \"width\"");
  expect_config_error(R"({"size": 0})", "size");
  expect_config_error(R"({"size": "384"})", "size");
  expect_config_error(R"({"size": [1, 2, 3]})", "[height, width]");
  expect_config_error(R"({"resample": 7})", "resample");
  expect_config_error(R"({"resample": "bilinear"})", "resample");
  expect_config_error(R"({"do_resize": "yes"})", "do_resize");
  expect_config_error(R"({"image_mean": [0.5, 0.5]})", "image_mean");
  expect_config_error(R"({"image_std": [0.5, 0, 0.5]})", "image_std");
  expect_config_error(R"({"rescale_factor": "1/255"})", "rescale_factor");
  expect_config_error(R"({"image_processor_type": "DeiTImageProcessor"})", "DeiTImageProcessor");
  expect_config_error(R"({"do_center_crop": true})", "do_center_crop");
  expect_config_error(R"([384])", "JSON object");
  expect_config_error(R"({"size": 384,)", "malformed JSON");
  // nlohmann's out_of_range, not parse_error: it escaped unnamed (found by fuzzing).
  expect_config_error(R"({"rescale_factor": 1e400})", "malformed JSON");
}

TEST(ProcessorConfig, FromModelFolder) {
  const fs::path dir = fs::temp_directory_path() / "mlxocr_processor_config_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // No file: an error naming the folder and both files, not a guessed size that fails later.
  try {
    load_image_processor_config(dir);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(dir.string()), std::string::npos) << message;
    EXPECT_NE(message.find("preprocessor_config.json"), std::string::npos) << message;
    EXPECT_NE(message.find("processor_config.json"), std::string::npos) << message;
  }
  write_file_atomic(dir / "preprocessor_config.json", "{\"size\": 224");
  try {
    load_image_processor_config(dir);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "preprocessor_config.json").string()),
              std::string::npos);
  }
  fs::remove_all(dir);
  // The fixture configurations.
  const auto fixture =
      load_image_processor_config(test::image_fixtures() / "configs" / "bicubic_32x96");
  EXPECT_EQ(fixture.height, 32);
  EXPECT_EQ(fixture.width, 96);
  EXPECT_EQ(fixture.resample, 3);
  EXPECT_EQ(fixture.image_std[2], 0.225f);
}

// transformers 5's save_pretrained writes only processor_config.json, the image processor's
// settings nested under "image_processor"; preprocessor_config.json wins when both are there.
TEST(ProcessorConfig, NestedProcessorConfigOfTransformers5) {
  const fs::path dir = fs::temp_directory_path() / "mlxocr_processor_config_v5";
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_file_atomic(dir / "processor_config.json",
                    R"({"image_processor": {"image_processor_type": "ViTImageProcessor",
                        "size": {"height": 32, "width": 48}, "resample": 3},
                        "processor_class": "TrOCRProcessor"})");
  const auto nested = load_image_processor_config(dir);
  EXPECT_EQ(nested.height, 32);
  EXPECT_EQ(nested.width, 48);
  EXPECT_EQ(nested.resample, 3);
  write_file_atomic(dir / "preprocessor_config.json", R"({"size": 64})");
  EXPECT_EQ(load_image_processor_config(dir).height, 64);
  fs::remove(dir / "preprocessor_config.json");
  // Errors name the file: no "image_processor", or a bad value inside it.
  write_file_atomic(dir / "processor_config.json", R"({"processor_class": "TrOCRProcessor"})");
  EXPECT_THROW(
      {
        try {
          load_image_processor_config(dir);
        } catch (const ConfigError& e) {
          EXPECT_NE(std::string(e.what()).find("image_processor"), std::string::npos);
          throw;
        }
      },
      ConfigError);
  write_file_atomic(dir / "processor_config.json", R"({"image_processor": {"size": -1}})");
  EXPECT_THROW(load_image_processor_config(dir), ConfigError);
  fs::remove_all(dir);
}

// The Pillow resize order: the current Pillow's by default, the folder's recorded one, then
// MLXOCR_PILLOW over both; anything else is an error naming the value.
TEST(ProcessorConfig, PillowResizeOrderSetting) {
  EXPECT_EQ(parse_image_processor_config("{}", "t").resize_order, PillowResizeOrder::kPillow13);
  EXPECT_EQ(
      parse_image_processor_config(R"({"mlxocr_pillow_resize_order": "12"})", "t").resize_order,
      PillowResizeOrder::kPillow12);
  EXPECT_THROW(parse_image_processor_config(R"({"mlxocr_pillow_resize_order": 12})", "t"),
               ConfigError);
  EXPECT_THROW(parse_image_processor_config(R"({"mlxocr_pillow_resize_order": "11"})", "t"),
               ConfigError);
  const fs::path dir = fs::temp_directory_path() / "mlxocr_processor_config_pillow";
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_file_atomic(dir / "preprocessor_config.json", R"({"mlxocr_pillow_resize_order": "12"})");
  const char* suite_value = std::getenv("MLXOCR_PILLOW");  // restored below
  const std::string saved = suite_value ? suite_value : "";
  ::setenv("MLXOCR_PILLOW", "13", 1);
  EXPECT_EQ(load_image_processor_config(dir).resize_order, PillowResizeOrder::kPillow13);
  ::setenv("MLXOCR_PILLOW", "10", 1);
  EXPECT_THROW(load_image_processor_config(dir), UsageError);
  ::unsetenv("MLXOCR_PILLOW");
  EXPECT_EQ(load_image_processor_config(dir).resize_order, PillowResizeOrder::kPillow12);
  if (suite_value) ::setenv("MLXOCR_PILLOW", saved.c_str(), 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mlxocr
