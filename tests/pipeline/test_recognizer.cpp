// The whole line pipeline — image file, processor, model, greedy decoding, tokenizer — gives the
// tokens transformers' generate() gives on TrOCRProcessor(Image.open(f).convert("RGB")).
#include <gtest/gtest.h>

#include <mlx/io.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "pipeline/recognizer.h"
#include "test_support.h"

namespace mlxocr {
namespace {

struct PipelineReference {
  std::vector<std::filesystem::path> images;
  std::vector<std::vector<int>> generated;  // tokens after the start token, up to EOS
  int max_new_tokens = 0;
};

PipelineReference load_pipeline_reference(const std::string& variant, int pad, int eos) {
  const auto dir = testing::fixtures() / "reference";
  std::ifstream in(dir / (variant + ".json"));
  const auto info = nlohmann::json::parse(in);
  PipelineReference ref;
  for (const auto& image : info["images"])
    ref.images.push_back(testing::fixtures() / image.get<std::string>());
  ref.max_new_tokens = info["greedy"]["max_new_tokens"];
  mx::array seqs = mx::astype(mx::load_safetensors((dir / (variant + ".safetensors")).string())
                                  .first.at("greedy_sequences"),
                              mx::int32);
  mx::eval(seqs);
  const int rows = seqs.shape(0), cols = seqs.shape(1);
  for (int r = 0; r < rows; ++r) {
    std::vector<int> row;
    for (int t = 1; t < cols; ++t) {
      const int token = seqs.data<int>()[r * cols + t];
      if (!row.empty() && row.back() == eos && token == pad) break;
      row.push_back(token);
    }
    ref.generated.push_back(row);
  }
  return ref;
}

class RecognizerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RecognizerTest, ImageFilesToTokensEqualGenerate) {
  const auto dir = testing::model_fixture(GetParam());
  const Recognizer recognizer(dir);
  const auto ref = load_pipeline_reference(GetParam(), recognizer.model().config.pad_token_id,
                                           recognizer.model().config.eos_token_id);
  for (int batch_size : {1, 2, 8}) {
    const auto lines =
        recognizer.recognize(ref.images, {.max_new_tokens = ref.max_new_tokens}, batch_size);
    ASSERT_EQ(lines.size(), ref.images.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      EXPECT_TRUE(lines[i].error.empty()) << lines[i].error;
      EXPECT_EQ(lines[i].token_ids, ref.generated[i]) << ref.images[i] << " batch " << batch_size;
      EXPECT_GT(lines[i].confidence, 0.0);
      EXPECT_LE(lines[i].confidence, 1.0);
    }
  }
}

TEST_P(RecognizerTest, InMemoryImagesGiveTheSameTokens) {
  const Recognizer recognizer(testing::model_fixture(GetParam()));
  const auto ref = load_pipeline_reference(GetParam(), recognizer.model().config.pad_token_id,
                                           recognizer.model().config.eos_token_id);
  std::vector<RgbImage> images;
  for (const auto& file : ref.images)
    images.push_back(load_image(file));
  const auto lines = recognizer.recognize_images(images, {.max_new_tokens = ref.max_new_tokens}, 2);
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(lines[i].token_ids, ref.generated[i]);
}

INSTANTIATE_TEST_SUITE_P(Variants, RecognizerTest,
                         ::testing::Values("vit-trocr", "deit-trocr", "odd"), [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             c = std::isalnum(c) ? c : '_';
                           return name;
                         });

// A bad image in a batch is reported with its name; the others are still read.
TEST(RecognizeCli, BadImageIsReportedAndTheRestProcessed) {
  const auto model = testing::model_fixture("deit-trocr");
  const auto good = testing::fixtures() / "images" / "photo_rgb.jpg";
  const auto result =
      testing::run_cli("recognize --format json --model '" + model.string() + "' '" +
                       good.string() + "' /nonexistent/scan.png '" + good.string() + "'");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("/nonexistent/scan.png"), std::string::npos) << result.err;
  const auto j = nlohmann::json::parse(result.out);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_TRUE(j[0].contains("text"));
  EXPECT_TRUE(j[1].contains("error"));
  EXPECT_EQ(j[2]["token_ids"], j[0]["token_ids"]);
}

}  // namespace
}  // namespace mlxocr
