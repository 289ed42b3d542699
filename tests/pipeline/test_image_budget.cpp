// The pixel budget through the library, as an embedder meets it: a Pipeline or a Recognizer
// refuses images (every page, and the template) whose header declares more pixels than the
// budget, before decoding them, with the CLI's default and no CLI involved; the budget is an
// option of each.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "mlxocr/limit_error.h"
#include "mlxocr/pipeline.h"
#include "pipeline/recognizer.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

const fs::path& images() {
  static const fs::path dir = testing::fixtures() / "images";
  return dir;
}

PipelineOptions line_mode() {
  PipelineOptions options;
  options.models = {testing::model_fixture("deit-trocr").string()};
  options.max_new_tokens = 4;
  return options;
}

void expect_refused(const PageResult& page, const std::string& declared, uint64_t limit) {
  EXPECT_NE(page.error.find(page.source + ": PNG header: declares " + declared), std::string::npos)
      << page.error;
  EXPECT_NE(page.error.find("refused before decoding"), std::string::npos) << page.error;
  EXPECT_NE(page.error.find("(limit: " + std::to_string(limit) + " pixels)"), std::string::npos)
      << page.error;
  EXPECT_TRUE(page.fields.empty());
}

TEST(PipelineImageBudget, TheDefaultIsPilsWithoutTheCli) {
  EXPECT_EQ(line_mode().max_pixels, 89478485u);  // PIL's Image.MAX_IMAGE_PIXELS
  Pipeline pipeline(line_mode());
  const auto pages = pipeline.run({(images() / "bad" / "bomb_100000x100000.png").string(),
                                   (images() / "small_96x32.png").string()});
  ASSERT_EQ(pages.size(), 2u);
  expect_refused(pages[0], "100000x100000", 89478485);
  EXPECT_TRUE(pages[1].error.empty()) << pages[1].error;
  EXPECT_EQ(pages[1].fields.size(), 1u);
}

TEST(PipelineImageBudget, MaxPixelsIsTheBudgetOfThatPipeline) {
  PipelineOptions options = line_mode();
  options.max_pixels = 100000;
  Pipeline pipeline(options);
  const auto pages = pipeline.run(
      {(images() / "table_rgb.png").string(), (images() / "small_96x32.png").string()});
  ASSERT_EQ(pages.size(), 2u);
  expect_refused(pages[0], "800x300 = 240000", 100000);
  EXPECT_TRUE(pages[1].error.empty()) << pages[1].error;
  // A pipeline made afterwards with the default is not affected.
  EXPECT_TRUE(Pipeline(line_mode()).run({(images() / "table_rgb.png").string()})[0].error.empty());
}

TEST(PipelineImageBudget, TheTemplateIsHeldToTheBudgetToo) {
  PipelineOptions options = line_mode();
  options.mode = RegionMode::kForm;
  options.template_file = (testing::fixtures() / "forms" / "00_template.png").string();
  options.max_pixels = 100000;  // the template is 1852x528
  const std::string message = testing::error_of<LimitError>([&] { Pipeline pipeline(options); });
  EXPECT_NE(message.find(options.template_file + ": PNG header: declares 1852x528"),
            std::string::npos)
      << message;
}

TEST(PipelineImageBudget, ABudgetOutsideItsRangeIsRefused) {
  for (const uint64_t pixels : {uint64_t{0}, kMaxImagePixels + 1}) {
    PipelineOptions options = line_mode();
    options.max_pixels = pixels;
    const std::string message = testing::error_of<LimitError>([&] { Pipeline pipeline(options); });
    EXPECT_NE(message.find("PipelineOptions::max_pixels: " + std::to_string(pixels) +
                           " is outside the supported range (limit: 1..1073741824)"),
              std::string::npos)
        << message;
  }
}

TEST(PipelineImageBudget, RecognizerTakesTheBudgetPerCall) {
  const Recognizer recognizer(testing::model_fixture("deit-trocr"));
  GenerationConfig options = recognizer.default_config();
  options.max_new_tokens = 4;
  ImageLimits limits;
  limits.max_pixels = 100000;
  const auto lines = recognizer.recognize(
      {images() / "table_rgb.png", images() / "small_96x32.png"}, options, 8, limits);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].error.find("declares 800x300 = 240000 pixels"), std::string::npos)
      << lines[0].error;
  EXPECT_NE(lines[0].error.find("(limit: 100000 pixels)"), std::string::npos) << lines[0].error;
  EXPECT_TRUE(lines[1].error.empty()) << lines[1].error;
  EXPECT_FALSE(lines[1].token_ids.empty());
  // Without limits: the process's budget (PIL's by default), which the table is well within.
  EXPECT_TRUE(recognizer.recognize({images() / "table_rgb.png"}, options, 8)[0].error.empty());
}

// Why the budget is mlxocr's own header check and not OpenCV's OPENCV_IO_MAX_IMAGE_PIXELS: OpenCV
// reads that variable once, when the library is loaded, before main() runs, so a program (or a
// library) cannot set it for itself. If an OpenCV ever reads it later, this fails, and the
// variable could become a second line behind the header check.
TEST(PipelineImageBudget, OpenCvIgnoresItsVariableSetAfterLoading) {
  const char* before = std::getenv("OPENCV_IO_MAX_IMAGE_PIXELS");
  const std::string saved = before ? before : "";
  ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "16", 1);
  std::vector<uchar> png;
  cv::imencode(".png", cv::Mat(10, 10, CV_8UC3, cv::Scalar(1, 2, 3)), png);
  const cv::Mat decoded = cv::imdecode(png, cv::IMREAD_COLOR);  // 100 pixels, over 16
  if (before) {
    ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", saved.c_str(), 1);
  } else {
    ::unsetenv("OPENCV_IO_MAX_IMAGE_PIXELS");
  }
  EXPECT_EQ(decoded.cols, 10);
}

}  // namespace
}  // namespace mlxocr
