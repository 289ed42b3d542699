// mlxocr recognize as a user runs it: the JSON contract, beam search equal to transformers through
// the whole pipeline, --min-confidence, repeatable sampling, bad flags and bad images.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "generate/generation_fixtures.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::fixtures;
using testing::run_cli;

using testing::quoted;

std::string model_arg(const std::string& variant = "deit-trocr") {
  return "--model " + quoted(testing::model_fixture(variant)) + " ";
}

std::string image(const std::string& name) {
  return quoted(fixtures() / "images" / name);
}

TEST(RecognizeCli, BadFlagsAreRefusedWithTheReason) {
  const std::string img = " " + image("photo_rgb.jpg");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--num-beams 0", "num_beams"},
      {"--max-new-tokens -1", "max_new_tokens"},
      {"--max-new-tokens 0", "max_new_tokens"},
      {"--min-new-tokens -2", "min_new_tokens"},
      {"--max-new-tokens 500", "positions"},
      {"--early-stopping maybe", "--early-stopping"},
      {"--num-beams 2 --num-return-sequences 3", "num_return_sequences"},
      {"--num-return-sequences 2", "greedy"},
      {"--do-sample --top-p 1.5", "top_p"},
      {"--do-sample --temperature 0", "temperature"},
      {"--temperature 0.5", "--do-sample"},
      {"--repetition-penalty 0", "repetition_penalty"},
      {"--no-repeat-ngram-size -1", "no_repeat_ngram_size"},
      {"--batch-size 0", "--batch-size"},
  };
  for (const auto& [flags, reason] : cases) {
    const auto result = run_cli("recognize " + model_arg() + flags + img);
    EXPECT_EQ(result.exit_code, 2) << flags;  // a user error
    EXPECT_EQ(result.err.rfind("mlxocr: error:", 0), 0u) << flags << ": " << result.err;
    EXPECT_NE(result.err.find(reason), std::string::npos) << flags << ": " << result.err;
    EXPECT_TRUE(result.out.empty()) << flags;
  }
}

TEST(RecognizeCli, TextFileAsImageIsReportedByName) {
  const auto not_image = testing::model_fixture("deit-trocr") / "config.json";
  const auto result = run_cli("recognize --format json " + model_arg() + quoted(not_image) + " " +
                              image("bad/text.png"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("config.json"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("text.png"), std::string::npos) << result.err;
  const auto j = nlohmann::json::parse(result.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_TRUE(j[0].contains("error"));
  EXPECT_TRUE(j[1].contains("error"));
}

TEST(RecognizeCli, OneBrokenFileInAListTheOthersAreRead) {
  const std::string images =
      image("photo_rgb.jpg") + " " + image("bad/truncated.png") + " " + image("table_rgb.png");
  const auto alone = run_cli("recognize --format json " + model_arg() + image("table_rgb.png"));
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  for (const char* batch : {"1", "8"}) {
    const auto result = run_cli("recognize --format json --batch-size " + std::string(batch) + " " +
                                model_arg() + images);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("truncated.png"), std::string::npos) << result.err;
    const auto j = nlohmann::json::parse(result.out);
    ASSERT_EQ(j.size(), 3u);
    EXPECT_TRUE(j[0].contains("text"));
    EXPECT_TRUE(j[1].contains("error"));
    EXPECT_FALSE(j[1].contains("text"));
    EXPECT_EQ(j[2]["token_ids"], nlohmann::json::parse(alone.out)[0]["token_ids"]);
  }
  // Text output keeps one line per image, an unreadable one empty.
  const auto text = run_cli("recognize " + model_arg() + images);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '\n'), 3);
}

TEST(RecognizeCli, JsonContractWithAlternatives) {
  const auto result = run_cli(
      "recognize --format json --num-beams 3 --num-return-sequences 2 "
      "--max-new-tokens 8 " +
      model_arg() + image("table_rgb.png") + " " + image("photo_rgb.jpg"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto j = nlohmann::json::parse(result.out);
  ASSERT_EQ(j.size(), 2u);
  for (const auto& line : j) {
    for (const char* key : {"image", "text", "token_ids", "token_logprobs", "confidence", "words",
                            "sequence_score", "finished", "alternatives"}) {
      EXPECT_TRUE(line.contains(key)) << key;
    }
    ASSERT_EQ(line["alternatives"].size(), 2u);
    const auto& best = line["alternatives"][0];
    EXPECT_EQ(best["token_ids"], line["token_ids"]);
    EXPECT_EQ(best["text"], line["text"]);
    EXPECT_GE(best["sequence_score"].get<double>(),
              line["alternatives"][1]["sequence_score"].get<double>());
    EXPECT_EQ(line["token_ids"].size(), line["token_logprobs"].size());
    double sum = 0;
    for (const auto& lp : line["token_logprobs"])
      sum += lp.get<double>();
    EXPECT_NEAR(line["confidence"].get<double>(), std::exp(sum / line["token_logprobs"].size()),
                1e-6);
  }
  // Greedy: no sequence score, no alternatives.
  const auto greedy =
      run_cli("recognize --format json --max-new-tokens 4 " + model_arg() + image("photo_rgb.jpg"));
  const auto g = nlohmann::json::parse(greedy.out)[0];
  EXPECT_TRUE(g["sequence_score"].is_null());
  EXPECT_FALSE(g.contains("alternatives"));
  EXPECT_FALSE(g["words"].empty());
}

// The whole pipeline (image files, processor, beams, tokenizer) gives transformers' beams.
TEST(RecognizeCli, BeamSearchEqualsTransformers) {
  const auto fixture = testing::load_generation_fixture("deit-trocr");
  const testing::GenerationSetting* setting = nullptr;
  for (const auto& s : fixture.settings) {
    if (s.name == "beams4_lp2.0_es_false") setting = &s;
  }
  ASSERT_NE(setting, nullptr);
  std::string images;
  for (const auto& name : fixture.images)
    images += " " + quoted(fixtures() / name);
  const auto result = run_cli(
      "recognize --format json --num-beams 4 --length-penalty 2 "
      "--early-stopping false --max-new-tokens 12 --batch-size 5 " +
      model_arg() + images);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto j = nlohmann::json::parse(result.out);
  int compared = 0;
  for (size_t i = 0; i < fixture.images.size(); ++i) {
    const auto& record = setting->results[i];
    if (!record.dropped.empty()) continue;
    ++compared;
    EXPECT_EQ(j[i]["token_ids"].get<std::vector<int>>(), record.sequences[0]) << record.image;
    EXPECT_NEAR(j[i]["sequence_score"].get<double>(), record.sequence_scores[0], 1e-4);
    for (size_t t = 0; t < record.token_logprobs[0].size(); ++t) {
      EXPECT_NEAR(j[i]["token_logprobs"][t].get<double>(), record.token_logprobs[0][t], 1e-4);
    }
  }
  EXPECT_GE(compared, 3);
}

TEST(RecognizeCli, MinConfidenceEmptiesTheTextAndKeepsTheScores) {
  const std::string args = "recognize --format json --max-new-tokens 6 " + model_arg("vit-trocr") +
                           image("photo_rgb.jpg");
  const auto plain = nlohmann::json::parse(run_cli(args).out)[0];
  ASSERT_FALSE(plain["text"].get<std::string>().empty());
  const double confidence = plain["confidence"];
  const auto below = nlohmann::json::parse(
      run_cli(args + " --min-confidence " + std::to_string(confidence + 0.01)).out)[0];
  EXPECT_EQ(below["text"], "");
  EXPECT_TRUE(below["words"].empty());
  EXPECT_EQ(below["confidence"], plain["confidence"]);
  EXPECT_EQ(below["token_ids"], plain["token_ids"]);
  const auto above = nlohmann::json::parse(
      run_cli(args + " --min-confidence " + std::to_string(confidence - 0.01)).out)[0];
  EXPECT_EQ(above["text"], plain["text"]);
}

TEST(RecognizeCli, SamplingIsRepeatableWhateverTheBatch) {
  const std::string args = "recognize --do-sample --seed 5 --top-k 20 --max-new-tokens 10 " +
                           model_arg("vit-trocr") + image("photo_rgb.jpg") + " " +
                           image("table_rgb.png") + " " + image("gray16.png");
  const auto first = run_cli(args + " --batch-size 3");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(run_cli(args + " --batch-size 3").out, first.out);
  EXPECT_EQ(run_cli(args + " --batch-size 1").out, first.out);
  EXPECT_NE(run_cli(args + " --seed 6").out, first.out);
}

TEST(RecognizeCli, HelpIsAManual) {
  const auto result = run_cli("recognize --help");
  EXPECT_EQ(result.exit_code, 0);
  for (const char* needle : {"--num-beams", "--early-stopping", "never", "--do-sample", "--seed",
                             "128", "max_length", "confidence", "sequence_score", "words",
                             "--min-confidence", "--num-return-sequences", "exit code is 1"}) {
    EXPECT_NE(result.out.find(needle), std::string::npos) << needle;
  }
}

}  // namespace
}  // namespace mlxocr
