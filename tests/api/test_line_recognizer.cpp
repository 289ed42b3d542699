// The public engine API (include/mlxocr/), compiled with nothing but the public headers on the
// include path: images in memory (gray, RGB, RGBA, padded rows) and files give transformers'
// own generate() results, recorded in tests/fixtures/generation by tools/reference (an
// independent path: PyTorch reading the PNG files through PIL). The pixels are decoded here with
// OpenCV, not with mlxocr's loader.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "api_support.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"
#include "mlxocr/model.h"
#include "mlxocr/recognizer.h"

namespace {

const std::string kFixtures = MLXOCR_FIXTURES_DIR;

// transformers' results for one image under one generate() setting of a fixture variant.
struct Reference {
  std::vector<std::vector<int>> sequences;
  std::vector<std::vector<float>> token_logprobs;
};

Reference reference(const std::string& variant, const std::string& setting,
                    const std::string& image) {
  std::ifstream in(kFixtures + "/generation/" + variant + ".json");
  const nlohmann::json fixture = nlohmann::json::parse(in);
  for (const auto& s : fixture["settings"]) {
    if (s["name"] != setting) continue;
    for (const auto& r : s["results"]) {
      if (r["image"] != image) continue;
      // A near-tie on the reference path would make a mismatch noise; these images have none.
      EXPECT_FALSE(r.contains("dropped") && !r["dropped"].empty()) << image;
      return {r["sequences"].get<std::vector<std::vector<int>>>(),
              r["token_logprobs"].get<std::vector<std::vector<float>>>()};
    }
  }
  ADD_FAILURE() << "no reference for " << variant << " " << setting << " " << image;
  return {};
}

// The fixture's tolerance for log-probabilities against PyTorch (docs: ENGINEERING.md §3).
constexpr float kTolerance = 1e-4f;

void expect_reading(const mlxocr::LineAlternative& got, const std::vector<int>& ids,
                    const std::vector<float>& logprobs, const std::string& what) {
  EXPECT_EQ(got.token_ids, ids) << what;
  ASSERT_EQ(got.token_logprobs.size(), logprobs.size()) << what;
  for (size_t t = 0; t < logprobs.size(); ++t)
    EXPECT_NEAR(got.token_logprobs[t], logprobs[t], kTolerance) << what << " token " << t;
  double sum = 0;
  for (float lp : logprobs)
    sum += lp;
  EXPECT_NEAR(got.confidence, std::exp(sum / logprobs.size()), 1e-4) << what;
}

void expect_line(const mlxocr::LineResult& got, const Reference& want, const std::string& what) {
  ASSERT_TRUE(got.error.empty()) << what << ": " << got.error;
  ASSERT_FALSE(want.sequences.empty()) << what;
  expect_reading(got, want.sequences[0], want.token_logprobs[0], what);
}

// Pixels as an application holds them: decoded by OpenCV, rows packed unless padded.
struct Pixels {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> bytes;
  std::ptrdiff_t stride = 0;
  mlxocr::ImageView view() const { return {width, height, channels, stride, bytes.data()}; }
};

Pixels from_mat(const cv::Mat& mat, int pad = 0) {
  Pixels p;
  p.width = mat.cols;
  p.height = mat.rows;
  p.channels = mat.channels();
  const size_t row = size_t(mat.cols) * mat.channels();
  p.stride = pad ? std::ptrdiff_t(row + pad) : 0;
  const size_t stride = row + pad;
  p.bytes.assign(stride * mat.rows, 0xAB);  // padding that must never be read as pixels
  for (int y = 0; y < mat.rows; ++y)
    std::copy(mat.ptr<std::uint8_t>(y), mat.ptr<std::uint8_t>(y) + row, &p.bytes[y * stride]);
  return p;
}

cv::Mat decode(const std::string& image) {
  cv::Mat mat = cv::imread(kFixtures + "/" + image, cv::IMREAD_UNCHANGED);
  EXPECT_FALSE(mat.empty()) << image;
  return mat;
}

cv::Mat rgb(const std::string& image) {
  cv::Mat out;
  cv::cvtColor(decode(image), out, cv::COLOR_BGR2RGB);
  return out;
}

// RGB plus an alpha channel that varies (alpha is dropped, as PIL's convert("RGB") drops it).
cv::Mat rgba(const std::string& image) {
  cv::Mat out;
  cv::cvtColor(decode(image), out, cv::COLOR_BGR2RGBA);
  for (int y = 0; y < out.rows; ++y)
    for (int x = 0; x < out.cols; ++x)
      out.at<cv::Vec4b>(y, x)[3] = static_cast<std::uint8_t>((x * 7 + y * 3) % 256);
  return out;
}

// gray16.png as PIL reads mode "I;16" into RGB: values above 255 clipped, not scaled.
cv::Mat gray_from_16_bit(const std::string& image) {
  const cv::Mat wide = decode(image);
  EXPECT_EQ(wide.type(), CV_16UC1);
  cv::Mat out(wide.rows, wide.cols, CV_8UC1);
  for (int y = 0; y < wide.rows; ++y)
    for (int x = 0; x < wide.cols; ++x)
      out.at<std::uint8_t>(y, x) =
          static_cast<std::uint8_t>(std::min<int>(wide.at<std::uint16_t>(y, x), 255));
  return out;
}

class LineRecognizerApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new mlxocr::Model(mlxocr::Model::load(kFixtures + "/models/vit-trocr"));
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static mlxocr::RecognizeOptions greedy16() {
    mlxocr::RecognizeOptions options;  // the fixture's "greedy": num_beams 1, max_new_tokens 16
    options.generation.num_beams = 1;
    options.generation.max_new_tokens = 16;
    return options;
  }
  static mlxocr::Model* model_;
};

mlxocr::Model* LineRecognizerApi::model_ = nullptr;

TEST_F(LineRecognizerApi, ModelInfoDescribesTheCheckpoint) {
  const mlxocr::ModelInfo& info = model_->info();
  EXPECT_EQ(info.encoder_type, "vit");
  EXPECT_EQ(info.decoder_type, "trocr");
  EXPECT_EQ(info.dtype, "float32");
  EXPECT_FALSE(info.backend.empty());
  EXPECT_GT(info.vocab_size, 984);  // the fixture's token ids fit
  EXPECT_GT(info.image_width, 0);
  EXPECT_TRUE(model_->default_generation().num_beams.has_value());
}

TEST_F(LineRecognizerApi, RgbRgbaAndPaddedRowsReadAsTransformersReadsThePng) {
  const mlxocr::LineRecognizer reader(*model_);
  const Reference want = reference("vit-trocr", "greedy", "images/table_rgb.png");
  const Pixels packed = from_mat(rgb("images/table_rgb.png"));
  const Pixels padded = from_mat(rgb("images/table_rgb.png"), 13);
  const Pixels alpha = from_mat(rgba("images/table_rgb.png"));
  expect_line(reader.recognize(packed.view(), greedy16()), want, "RGB");
  expect_line(reader.recognize(padded.view(), greedy16()), want, "RGB, padded rows");
  expect_line(reader.recognize(alpha.view(), greedy16()), want, "RGBA");
}

TEST_F(LineRecognizerApi, GrayImagesReadAsTransformersReadsThePng) {
  const mlxocr::LineRecognizer reader(*model_);
  // A 1-bit PNG (OpenCV gives 0/255 gray, PIL's "1" -> "RGB" the same) and a 16-bit one.
  const Pixels bilevel = from_mat(decode("images/bilevel_template.png"));
  ASSERT_EQ(bilevel.channels, 1);
  expect_line(reader.recognize(bilevel.view(), greedy16()),
              reference("vit-trocr", "greedy", "images/bilevel_template.png"), "1-bit gray");
  const Pixels gray = from_mat(gray_from_16_bit("images/gray16.png"));
  expect_line(reader.recognize(gray.view(), greedy16()),
              reference("vit-trocr", "greedy", "images/gray16.png"), "16-bit gray");
}

TEST_F(LineRecognizerApi, ABatchOfViewsKeepsEachImagesResult) {
  const mlxocr::LineRecognizer reader(*model_);
  const std::vector<std::string> names = {"images/small_96x32.png", "images/table_rgb.png",
                                          "images/small_96x32.png"};
  std::vector<Pixels> pixels;
  for (const std::string& name : names)
    pixels.push_back(from_mat(rgb(name)));
  mlxocr::RecognizeOptions options = greedy16();
  options.batch_size = 2;
  const auto lines =
      reader.recognize({pixels[0].view(), pixels[1].view(), pixels[2].view()}, options);
  ASSERT_EQ(lines.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i)
    expect_line(lines[i], reference("vit-trocr", "greedy", names[i]), names[i]);
}

TEST_F(LineRecognizerApi, FilesReadAsTransformersReadsThemAndAMissingOneFailsAlone) {
  const mlxocr::LineRecognizer reader(*model_);
  const std::string missing = kFixtures + "/images/no-such-image.png";
  const auto lines = reader.recognize_files(
      {kFixtures + "/images/table_rgb.png", missing, kFixtures + "/images/small_96x32.png"},
      greedy16());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].source, kFixtures + "/images/table_rgb.png");
  expect_line(lines[0], reference("vit-trocr", "greedy", "images/table_rgb.png"), "file");
  EXPECT_NE(lines[1].error.find("no-such-image.png"), std::string::npos) << lines[1].error;
  expect_line(lines[2], reference("vit-trocr", "greedy", "images/small_96x32.png"), "file");
}

TEST_F(LineRecognizerApi, BeamSearchReturnsTransformersHypotheses) {
  const mlxocr::LineRecognizer reader(*model_);
  mlxocr::RecognizeOptions options;  // the fixture's "beams4_return_2"
  options.generation.num_beams = 4;
  options.generation.num_return_sequences = 2;
  options.generation.max_new_tokens = 12;
  const Pixels pixels = from_mat(rgba("images/table_rgb.png"));
  const mlxocr::LineResult line = reader.recognize(pixels.view(), options);
  const Reference want = reference("vit-trocr", "beams4_return_2", "images/table_rgb.png");
  ASSERT_EQ(line.alternatives.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    expect_reading(line.alternatives[k], want.sequences[k], want.token_logprobs[k],
                   "hypothesis " + std::to_string(k));
  }
  EXPECT_EQ(line.token_ids, want.sequences[0]);
  EXPECT_TRUE(line.sequence_score.has_value());
}

TEST_F(LineRecognizerApi, MinConfidenceEmptiesTheTextAndKeepsTheTokens) {
  const mlxocr::LineRecognizer reader(*model_);
  mlxocr::RecognizeOptions options = greedy16();
  options.min_confidence = 1.0;  // random weights: no line is that sure
  const Pixels pixels = from_mat(rgb("images/small_96x32.png"));
  const mlxocr::LineResult line = reader.recognize(pixels.view(), options);
  EXPECT_TRUE(line.text.empty());
  EXPECT_EQ(line.token_ids,
            reference("vit-trocr", "greedy", "images/small_96x32.png").sequences[0]);
}

TEST_F(LineRecognizerApi, BadOptionsNameTheirFields) {
  const mlxocr::LineRecognizer reader(*model_);
  const Pixels pixels = from_mat(rgb("images/small_96x32.png"));
  mlxocr::RecognizeOptions options;
  options.generation.num_beams = 0;
  EXPECT_NE(error_of<mlxocr::UsageError>([&] {
              reader.recognize(pixels.view(), options);
            }).find("GenerationOptions::num_beams must be between 1 and 64, got 0"),
            std::string::npos);
  options = {};
  options.generation.top_p = 2.0;
  options.generation.do_sample = true;
  EXPECT_NE(error_of<mlxocr::UsageError>([&] {
              reader.recognize(pixels.view(), options);
            }).find("GenerationOptions::top_p"),
            std::string::npos);
  options = {};
  options.batch_size = 0;
  EXPECT_NE(error_of<mlxocr::LimitError>([&] {
              reader.recognize_files({}, options);
            }).find("RecognizeOptions::batch_size"),
            std::string::npos);
  options = {};
  options.min_confidence = 1.5;
  EXPECT_NE(error_of<mlxocr::LimitError>([&] {
              reader.recognize(pixels.view(), options);
            }).find("RecognizeOptions::min_confidence"),
            std::string::npos);
  EXPECT_NE(error_of<mlxocr::UsageError>([] {
              mlxocr::Model::load(kFixtures + "/models/vit-trocr", {.dtype = "int4"});
            }).find("LoadOptions::dtype"),
            std::string::npos);
}

TEST_F(LineRecognizerApi, ViewsThatAreNotImagesAreRefusedByIndex) {
  const mlxocr::LineRecognizer reader(*model_);
  const std::vector<std::uint8_t> bytes(64 * 32 * 4, 128);
  const mlxocr::ImageView good{64, 32, 3, 0, bytes.data()};
  const auto refused = [&](mlxocr::ImageView bad, const std::string& expected) {
    const std::string message = error_of<mlxocr::ImageError>([&] {
      reader.recognize({good, bad});
    });
    EXPECT_NE(message.find("image 1: " + expected), std::string::npos) << message;
  };
  refused({64, 32, 2, 0, bytes.data()}, "ImageView::channels is 2");
  refused({64, 32, 3, 0, nullptr}, "ImageView::data is null");
  refused({0, 32, 3, 0, bytes.data()}, "ImageView is 0x32");
  refused({64, 32, 3, 100, bytes.data()}, "ImageView::stride 100 is shorter than a row of 192");
  mlxocr::RecognizeOptions options;
  options.max_pixels = 64 * 32 - 1;
  EXPECT_NE(error_of<mlxocr::LimitError>([&] {
              reader.recognize(good, options);
            }).find("image 0: 64x32 pixels"),
            std::string::npos);
}

TEST(LoadOptionsApi, DtypeChoosesTheComputeDtype) {
  const mlxocr::Model half =
      mlxocr::Model::load(kFixtures + "/models/vit-trocr", {.dtype = "float16"});
  EXPECT_EQ(half.info().dtype, "float16");
}

// The truth tools/synth wrote for a held-out line (tests/fixtures/heldout_lines/metadata.csv).
std::string heldout_truth(const std::string& file) {
  std::ifstream in(kFixtures + "/heldout_lines/metadata.csv");
  for (std::string row; std::getline(in, row);) {
    if (row.rfind(file + ",", 0) == 0) {
      const std::string rest = row.substr(file.size() + 1);
      return rest.substr(0, rest.find(','));
    }
  }
  ADD_FAILURE() << "no truth for " << file;
  return "";
}

TEST(BundledModelApi, AnEmptySpecLoadsTheBundledModel) {
  const char* set = std::getenv("MLXOCR_DEFAULT_MODEL");
  ASSERT_TRUE(set == nullptr || *set == '\0') << "the test reads the bundled model";
  const mlxocr::LineRecognizer reader(mlxocr::Model::load(""));
  EXPECT_NE(reader.model().info().folder.find("mlxocr-fields-tiny"), std::string::npos);
  const Pixels line = from_mat(decode("heldout_lines/images/000203.png"));
  ASSERT_EQ(line.channels, 1);
  EXPECT_EQ(reader.recognize(line.view()).text, heldout_truth("images/000203.png"));
}

}  // namespace
