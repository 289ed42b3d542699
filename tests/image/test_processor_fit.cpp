// A folder whose preprocessor_config.json resizes to another size than its config.json's
// encoder image_size is refused when it is loaded, naming both files and both sizes: not at
// the first batch (transformers' ViT: "Input image size (..) doesn't match model (..)"), after
// every image has been resized to the wrong size.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/file_util.h"
#include "image/processor_fit.h"
#include "mlxocr/error.h"
#include "mlxocr/pipeline.h"
#include "model/config.h"
#include "pipeline/recognizer.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::error_of;

// A copy of fixture model `variant` whose processor settings are `edit`ed.
fs::path edited_copy(const testing::TempDir& dir, const std::string& variant,
                     const std::function<void(nlohmann::json&)>& edit) {
  const fs::path folder = dir / variant;
  fs::copy(testing::model_fixture(variant), folder, fs::copy_options::recursive);
  nlohmann::json settings = testing::read_json(folder / "preprocessor_config.json");
  edit(settings);
  write_file_atomic(folder / "preprocessor_config.json", settings.dump(2));
  return folder;
}

void expect_both_named(const std::string& message, const fs::path& processor_file,
                       const fs::path& config_file, const std::string& processor_size,
                       const std::string& encoder_size) {
  for (const std::string& part : std::vector<std::string>{
           processor_file.string(), "size " + processor_size + " (height x width)",
           config_file.string() + ": encoder.image_size " + encoder_size, "patch_size 8x8"}) {
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in " << message;
  }
}

TEST(ProcessorFit, ASizeOtherThanTheEncodersIsRefusedAtLoad) {
  const testing::TempDir dir("fit");
  // vit-trocr's encoder reads 32x32 images in 8x8 patches.
  const fs::path folder = edited_copy(dir, "vit-trocr", [](nlohmann::json& s) {
    s["size"] = {{"height", 64}, {"width", 64}};
  });
  const std::string message = error_of<ConfigError>([&] { Recognizer recognizer(folder); });
  expect_both_named(message, folder / "preprocessor_config.json", folder / "config.json", "64x64",
                    "32x32");
}

TEST(ProcessorFit, HeightAndWidthAreComparedEachToItsOwn) {
  // odd's encoder reads 16 high x 48 wide; the processor's sides swapped do not fit it.
  const ModelConfig config = load_model_config(testing::model_fixture("odd"));
  ImageProcessorConfig processor;
  processor.height = 48;
  processor.width = 16;
  const std::string message = error_of<ConfigError>(
      [&] { check_processor_fits_encoder(processor, "p.json", config.encoder, "c.json"); });
  EXPECT_NE(message.find("p.json: size 48x16"), std::string::npos) << message;
  EXPECT_NE(message.find("c.json: encoder.image_size 16x48"), std::string::npos) << message;
  processor.height = 16;
  processor.width = 48;
  EXPECT_NO_THROW(check_processor_fits_encoder(processor, "p.json", config.encoder, "c.json"));
}

// A processor that does not resize is not refused at load (its size is not used), but each
// image must then be of the encoder's size: one that is not is its own line's error, and the
// other images of its batch are still read.
TEST(ProcessorFit, WithoutResizingAnImageOfAnotherSizeIsRefusedAlone) {
  const testing::TempDir dir("fit");
  const fs::path folder = edited_copy(dir, "vit-trocr", [](nlohmann::json& s) {
    s["size"] = {{"height", 64}, {"width", 64}};
    s["do_resize"] = false;
  });
  const Recognizer recognizer(folder);
  const fs::path fits = dir / "fits.png";
  cv::imwrite(fits.string(), cv::Mat(32, 32, CV_8UC3, cv::Scalar(200, 180, 160)));
  const fs::path wide = testing::fixtures() / "images" / "small_96x32.png";
  GenerationConfig options = recognizer.default_config();
  options.max_new_tokens = 3;
  const auto lines = recognizer.recognize({wide, fits}, options, 8);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].error.find(wide.string() + ": 96 wide x 32 high, but the model's image "
                                                "processor does not resize (do_resize false)"),
            std::string::npos)
      << lines[0].error;
  EXPECT_NE(lines[0].error.find("reads images 32 wide x 32 high"), std::string::npos)
      << lines[0].error;
  EXPECT_TRUE(lines[1].error.empty()) << lines[1].error;
  EXPECT_FALSE(lines[1].token_ids.empty());

  // ocr cuts regions of every size: such a model is refused when the pipeline loads it.
  PipelineOptions ocr;
  ocr.models = {folder.string()};
  const std::string message = error_of<ConfigError>([&] { Pipeline pipeline(ocr); });
  EXPECT_NE(message.find("does not resize (do_resize false), but ocr reads regions of every size"),
            std::string::npos)
      << message;
}

TEST(ProcessorFit, TheTransformers5FileIsNamedWhenItIsTheSource) {
  const testing::TempDir dir("fit");
  const fs::path folder = dir / "deit-trocr";
  fs::copy(testing::model_fixture("deit-trocr"), folder, fs::copy_options::recursive);
  nlohmann::json settings = testing::read_json(folder / "preprocessor_config.json");
  settings["size"] = 384;  // the published checkpoints' size, not this tiny encoder's 32
  fs::remove(folder / "preprocessor_config.json");
  write_file_atomic(folder / "processor_config.json",
                    nlohmann::json{{"image_processor", settings}}.dump(2));
  const std::string message = error_of<ConfigError>(
      [&] { load_image_processor_for(folder, load_model_config(folder).encoder); });
  expect_both_named(message, folder / "processor_config.json", folder / "config.json", "384x384",
                    "32x32");
}

}  // namespace
}  // namespace mlxocr
