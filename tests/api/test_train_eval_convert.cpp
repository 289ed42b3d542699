// The public entry points for conversion, evaluation and training (include/mlxocr/convert.h,
// evaluate.h, train.h), compiled with nothing but the public headers on the include path. What is
// checked comes from outside the call: the files written (config.json, the weights file,
// metrics.jsonl, a checkpoint that Model::load reads back), the held-out lines' truth written by
// tools/synth, and LineRecognizer's own reading of the same images.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api_support.h"
#include "mlxocr/convert.h"
#include "mlxocr/error.h"
#include "mlxocr/evaluate.h"
#include "mlxocr/limit_error.h"
#include "mlxocr/model.h"
#include "mlxocr/recognizer.h"
#include "mlxocr/train.h"

namespace {

namespace fs = std::filesystem;

const std::string kFixtures = MLXOCR_FIXTURES_DIR;

// A fresh folder under the temporary directory, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "mlxocr-api-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? fs::path(pattern) : fs::path();
    EXPECT_FALSE(path_.empty());
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

// A library error names the option field and never a CLI flag.
void expect_names_field(const std::string& message, const std::string& field) {
  EXPECT_NE(message.find(field), std::string::npos) << message;
  EXPECT_EQ(message.find("--"), std::string::npos) << message;
}

TEST(ConvertApi, WritesTheFolderItReportsAndModelLoadReadsIt) {
  ScratchDir dir;
  mlxocr::ConvertOptions options;
  options.input = kFixtures + "/models/vit-trocr";
  options.output = dir.path() / "q8";
  options.dtype = "float16";
  options.bits = 8;
  options.group_size = 32;
  const mlxocr::ConvertResult r = mlxocr::convert(options);

  const nlohmann::json written = read_json(dir.path() / "q8" / "config.json")["mlxocr"];
  EXPECT_EQ(nlohmann::json::parse(r.format_json), written);
  EXPECT_EQ(written["dtype"], "float16");
  EXPECT_EQ(r.dtype, "float16");
  EXPECT_EQ(written["quantization"]["bits"], 8);
  EXPECT_EQ(r.bits, 8);
  EXPECT_EQ(r.group_size, 32);
  EXPECT_FALSE(r.quantized_encoder);
  EXPECT_FALSE(r.quantized_layers.empty());
  EXPECT_EQ(written["quantization"]["skipped"].get<std::vector<std::string>>(), r.skipped_layers);
  EXPECT_EQ(r.output_weight_bytes,
            fs::file_size(dir.path() / "q8" / written["weights"].get<std::string>()));
  EXPECT_EQ(r.source_weight_bytes,
            fs::file_size(kFixtures + "/models/vit-trocr/model.safetensors"));
  for (const std::string& file : r.copied_files)
    EXPECT_TRUE(fs::exists(dir.path() / "q8" / file)) << file;

  const mlxocr::Model model = mlxocr::Model::load((dir.path() / "q8").string());
  EXPECT_EQ(model.info().dtype, "float16");
}

TEST(ConvertApi, BadOptionsNameTheirFieldAndWriteNothing) {
  ScratchDir dir;
  mlxocr::ConvertOptions options;
  options.input = kFixtures + "/models/vit-trocr";
  options.output = dir.path() / "out";
  options.bits = 3;
  expect_names_field(error_of<mlxocr::UsageError>([&] { mlxocr::convert(options); }),
                     "ConvertOptions::bits");
  options.bits = 4;
  options.group_size = 48;
  expect_names_field(error_of<mlxocr::UsageError>([&] { mlxocr::convert(options); }),
                     "ConvertOptions::group_size");
  options.group_size = 64;
  options.dtype = "float64";
  expect_names_field(error_of<mlxocr::UsageError>([&] { mlxocr::convert(options); }),
                     "ConvertOptions::dtype");
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

// Three held-out lines the bundled model was trained for and a row whose image is missing.
fs::path heldout_csv(const fs::path& dir, std::vector<std::string>& images,
                     std::vector<std::string>& truths) {
  std::ifstream in(kFixtures + "/heldout_lines/metadata.csv");
  std::string row, csv = "file_name,text\n";
  std::getline(in, row);  // header
  while (images.size() < 3 && std::getline(in, row)) {
    std::stringstream fields(row);
    std::string file, text;
    std::getline(fields, file, ',');
    std::getline(fields, text, ',');
    images.push_back(kFixtures + "/heldout_lines/" + file);
    truths.push_back(text);
    csv += images.back() + "," + text + "\n";
  }
  csv += "missing.png,gone\n";
  std::ofstream(dir / "lines.csv") << csv;
  return dir / "lines.csv";
}

TEST(EvaluateApi, FiguresAreThoseOfTheRecognizersReadingAgainstTheTruth) {
  const char* set = std::getenv("MLXOCR_DEFAULT_MODEL");
  ASSERT_TRUE(set == nullptr || *set == '\0') << "the test reads the bundled model";
  ScratchDir dir;
  std::vector<std::string> images, truths;
  const mlxocr::LabelledData data =
      mlxocr::read_labelled_data(heldout_csv(dir.path(), images, truths).string());
  ASSERT_EQ(data.lines.size(), 3u);
  EXPECT_EQ(data.rows, 4u);
  ASSERT_EQ(data.skipped.size(), 1u);
  EXPECT_NE(data.skipped[0].find("missing.png"), std::string::npos) << data.skipped[0];

  const mlxocr::Model model = mlxocr::Model::load("");
  mlxocr::EvalOptions options;
  options.generation.num_beams = 1;  // greedy: a quarter of the checkpoint's beams' work
  options.batch_size = 2;
  options.worst_count = 3;
  size_t progress_calls = 0;
  options.progress = [&](size_t done, size_t total) {
    ++progress_calls;
    EXPECT_EQ(total, 3u);
    EXPECT_LE(done, total);
  };
  const mlxocr::EvalResult r = mlxocr::evaluate(model, data, options);
  EXPECT_EQ(progress_calls, 2u);
  EXPECT_TRUE(r.skipped.empty());
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.evaluated, 3u);

  mlxocr::RecognizeOptions greedy;
  greedy.generation.num_beams = 1;
  const std::vector<mlxocr::LineResult> read =
      mlxocr::LineRecognizer(model).recognize_files(images, greedy);
  size_t char_errors = 0, reference_chars = 0, exact = 0;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.lines[i].image, images[i]);
    EXPECT_EQ(r.lines[i].reference, truths[i]);
    EXPECT_EQ(r.lines[i].prediction, read[i].text) << images[i];
    // The bundled model reads its held-out printed lines (the line tests check 000203 exactly).
    EXPECT_LE(r.lines[i].cer, 0.25) << images[i] << ": " << r.lines[i].prediction;
    char_errors += r.lines[i].char_errors;
    reference_chars += r.lines[i].reference_chars;
    exact += r.lines[i].char_errors == 0 && r.lines[i].word_errors == 0;
  }
  EXPECT_EQ(r.char_errors, char_errors);
  EXPECT_EQ(r.reference_chars, reference_chars);
  EXPECT_DOUBLE_EQ(r.cer, static_cast<double>(char_errors) / reference_chars);
  EXPECT_EQ(r.exact, exact);
  EXPECT_DOUBLE_EQ(r.exact_match, exact / 3.0);
  EXPECT_EQ(r.worst.size(), 3 - exact);
  EXPECT_EQ(r.generation.do_sample, false);
  EXPECT_EQ(r.generation.num_return_sequences, 1);
  EXPECT_EQ(r.generation.num_beams, 1);
  EXPECT_EQ(r.generation.max_new_tokens, model.default_generation().max_new_tokens);

  options.batch_size = 0;
  expect_names_field(error_of<mlxocr::UsageError>([&] { mlxocr::evaluate(model, data, options); }),
                     "EvalOptions::batch_size");
}

// Two optimizer steps on four fixture images with the tiny random model: the checkpoint
// written loads back, and metrics.jsonl holds the steps the summary reports.
TEST(TrainApi, TwoStepsWriteACheckpointModelLoadReads) {
  ScratchDir dir;
  std::string csv = "file_name,text\n";
  for (const char* image : {"small_96x32.png", "photo_rgb.jpg", "table_rgb.png", "photo_gray.jpg"})
    csv += kFixtures + "/images/" + image + ",text " + image + "\n";
  std::ofstream(dir.path() / "train.csv") << csv;

  mlxocr::TrainOptions options;
  options.model = kFixtures + "/models/vit-trocr";
  options.train_data = dir.path() / "train.csv";
  options.output = dir.path() / "run";
  options.max_steps = 2;
  options.batch_size = 2;
  options.adamw.lr = 1e-3;
  options.progress = false;
  std::ostringstream log;
  const mlxocr::TrainSummary summary = mlxocr::train(options, log);
  EXPECT_EQ(summary.steps, 2);
  EXPECT_EQ(summary.last_checkpoint, dir.path() / "run" / "checkpoint-2");
  EXPECT_NE(log.str().find("done: 2 steps"), std::string::npos) << log.str();

  std::ifstream metrics(dir.path() / "run" / "metrics.jsonl");
  std::vector<double> losses;
  for (std::string line; std::getline(metrics, line);)
    losses.push_back(nlohmann::json::parse(line)["loss"].get<double>());
  ASSERT_EQ(losses.size(), 2u);
  EXPECT_TRUE(std::isfinite(losses[0]) && losses[0] > 0);
  EXPECT_NEAR(losses[1], summary.last_loss, 1e-6 * losses[1]);

  const mlxocr::Model trained = mlxocr::Model::load(summary.last_checkpoint.string());
  EXPECT_EQ(trained.info().decoder_type, "trocr");

  options.output = dir.path() / "refused";
  options.batch_size = 0;
  expect_names_field(error_of<mlxocr::LimitError>([&] { mlxocr::train(options, log); }),
                     "TrainOptions::batch_size");
  EXPECT_FALSE(fs::exists(dir.path() / "refused"));
}

}  // namespace
