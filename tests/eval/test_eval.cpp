// mlxocr eval and evaluate(): the plumbing (dataset -> recognizer -> metrics) on the fixture
// models. Their weights are random, so the texts are gibberish: what is checked is that the figures
// are compute_metrics of exactly what the Recognizer reads, and that bad input is reported.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "eval/evaluate.h"
#include "model/config.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::fixtures;
using testing::run_cli;
using testing::TempDir;

constexpr int kMaxNewTokens = 6;

// Three good rows, one missing image, one image whose header is fine but whose pixels are not.
fs::path make_dataset(const TempDir& dir) {
  for (const char* name : {"small_96x32.png", "photo_rgb.jpg", "table_rgb.png"})
    fs::copy_file(fixtures() / "images" / name, dir / name);
  fs::copy_file(fixtures() / "images" / "bad" / "corrupt_idat.png", dir / "corrupt.png");
  std::ofstream(dir / "data.csv") << "file_name,text\n"
                                     "small_96x32.png,\"Hello, world\"\n"
                                     "missing.png,gone\n"
                                     "photo_rgb.jpg,Zoë 12 €\n"
                                     "corrupt.png,broken pixels\n"
                                     "table_rgb.png,INV-2021-0042\n";
  return dir / "data.csv";
}

GenerationConfig short_config(const fs::path& model) {
  GenerationConfig config = load_generation_config(model, load_model_config(model));
  config.max_new_tokens = kMaxNewTokens;
  return config;
}

TEST(Evaluate, FiguresAreComputeMetricsOfWhatTheRecognizerReads) {
  TempDir dir("eval");
  const fs::path data = make_dataset(dir);
  DatasetReport report;
  const std::vector<Sample> samples = load_dataset(data, report);
  ASSERT_EQ(samples.size(), 4u);  // the corrupt image passes the header check

  const fs::path model = testing::model_fixture("deit-trocr");
  const Recognizer recognizer(model);
  const GenerationConfig config = short_config(model);
  std::vector<RgbImage> images;
  std::vector<std::string> references;
  for (const Sample& s : samples) {
    if (s.image.filename() == "corrupt.png") continue;
    images.push_back(load_image(s.image));
    references.push_back(s.text);
  }
  std::vector<std::string> expected_predictions;
  for (const RecognizedLine& line : recognizer.recognize_images(images, config, 8))
    expected_predictions.push_back(line.text);
  const TextMetrics expected = compute_metrics(expected_predictions, references);

  for (int batch_size : {1, 3}) {
    size_t progress_calls = 0;
    EvalOptions options;
    options.batch_size = batch_size;
    options.progress = [&](size_t done, size_t total) {
      ++progress_calls;
      EXPECT_LE(done, total);
    };
    const Evaluation result = evaluate(recognizer, samples, config, options);
    EXPECT_EQ(result.predictions, expected_predictions) << "batch " << batch_size;
    EXPECT_EQ(result.references, references);
    ASSERT_EQ(result.problems.size(), 1u);
    EXPECT_NE(result.problems[0].find("corrupt.png"), std::string::npos);
    EXPECT_EQ(result.metrics.count, 3u);
    EXPECT_DOUBLE_EQ(result.metrics.cer, expected.cer);
    EXPECT_DOUBLE_EQ(result.metrics.wer, expected.wer);
    EXPECT_DOUBLE_EQ(result.metrics.exact_match, expected.exact_match);
    EXPECT_EQ(progress_calls, (samples.size() + batch_size - 1) / batch_size);
  }
}

TEST(EvalCli, PrintsAndWritesTheMetricsAndReportsBadRows) {
  TempDir dir("eval-cli");
  const fs::path data = make_dataset(dir);
  const fs::path model = testing::model_fixture("vit-trocr");
  const fs::path out = dir / "eval.json";
  const auto r = run_cli("eval --model '" + model.string() + "' --data '" + data.string() +
                         "' --max-new-tokens " + std::to_string(kMaxNewTokens) +
                         " --batch-size 2 --worst 2 --json '" + out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("skipped row: " + data.string() + ":3: image not found"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("skipped image: "), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("CER "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("WER "), std::string::npos);
  EXPECT_NE(r.out.find("exact match "), std::string::npos);
  EXPECT_NE(r.out.find("5 rows, 3 evaluated, 2 skipped"), std::string::npos) << r.out;

  std::ifstream in(out);
  ASSERT_TRUE(in) << "no --json file";
  const nlohmann::json j = nlohmann::json::parse(in);
  ASSERT_EQ(j["lines"].size(), 3u);
  EXPECT_EQ(j["skipped"].size(), 2u);
  EXPECT_LE(j["worst"].size(), 2u);
  EXPECT_EQ(j["max_new_tokens"], kMaxNewTokens);

  // The figures are those of the Recognizer's own reading of the same images.
  const Recognizer recognizer(model);
  std::vector<RgbImage> images;
  std::vector<std::string> references, predictions;
  for (const auto& line : j["lines"]) {
    images.push_back(load_image(line["image"].get<std::string>()));
    references.push_back(line["reference"]);
  }
  for (const RecognizedLine& line : recognizer.recognize_images(images, short_config(model), 8))
    predictions.push_back(line.text);
  for (size_t i = 0; i < predictions.size(); ++i)
    EXPECT_EQ(j["lines"][i]["prediction"], predictions[i]) << i;
  const TextMetrics m = compute_metrics(predictions, references);
  EXPECT_DOUBLE_EQ(j["cer"].get<double>(), m.cer);
  EXPECT_DOUBLE_EQ(j["wer"].get<double>(), m.wer);
  EXPECT_DOUBLE_EQ(j["exact_match"].get<double>(), m.exact_match);
  EXPECT_EQ(j["reference_chars"].get<size_t>(), m.reference_chars);
}

TEST(EvalCli, UnusableInputIsOneClearLine) {
  TempDir dir("eval-bad");
  const std::string model = "'" + testing::model_fixture("vit-trocr").string() + "'";
  auto r = run_cli("eval --model " + model + " --data '" + (dir / "nope.csv").string() + "'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nope.csv: no such file or folder"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  std::ofstream(dir / "all_bad.csv") << "file_name,text\nmissing.png,x\n";
  r = run_cli("eval --model " + model + " --data '" + (dir / "all_bad.csv").string() + "'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no usable rows"), std::string::npos) << r.err;

  r = run_cli("eval --model " + model + " --data '" + (dir / "all_bad.csv").string() +
              "' --batch-size 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--batch-size"), std::string::npos) << r.err;
}

TEST(EvalCli, HelpIsAManual) {
  const auto r = run_cli("eval --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* section : {"METRICS", "CER", "WER", "exact match", "file_name", "--worst"})
    EXPECT_NE(r.out.find(section), std::string::npos) << section;
}

}  // namespace
}  // namespace mlxocr
