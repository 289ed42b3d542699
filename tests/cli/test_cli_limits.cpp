// Refusals as a user meets them: one line naming the file or option, the field and the limit,
// exit code 2, never an abort, a crash or an "internal error".
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_support.h"
#include "core/file_util.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::fixtures;
using testing::run_cli;

using testing::quoted;

std::string image(const std::string& name) {
  return quoted(fixtures() / "images" / name);
}

std::string template_file() {
  return quoted(fixtures() / "forms" / "00_template.png");
}

// Exit code 2 and exactly one line on stderr, "mlxocr: error: " + every one of `parts`.
void expect_refusal(const testing::CliResult& result, std::initializer_list<std::string> parts) {
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(result.err.rfind("mlxocr: error: ", 0), 0u) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_EQ(result.err.find("internal error"), std::string::npos) << result.err;
  for (const std::string& part : parts)
    EXPECT_NE(result.err.find(part), std::string::npos) << "'" << part << "' not in " << result.err;
}

TEST(CliLimits, OcrOptionsOutOfRangeAreRefused) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--inset 2147483647", "--inset: 2147483647 is outside the supported range (limit: 0..1024)"},
      {"--contrast nan", "--contrast: nan"},
      {"--contrast inf", "--contrast: inf"},
      {"--red-min -5", "--red-min: -5 is outside the 8-bit colour range (limit: 0..255)"},
      {"--min-confidence nan", "--min-confidence: nan"},
      {"--max-box-width 1.5", "--max-box-width"},
      {"--batch-size 100000", "--batch-size"},
      {"--max-pixels 0", "--max-pixels: 0 is outside the range (limit: 1..1073741824)"},
  };
  for (const auto& [flags, reason] : cases) {
    SCOPED_TRACE(flags);
    expect_refusal(run_cli("ocr -q -m " + testing::quoted_model() + " " + flags + " " +
                           image("photo_rgb.jpg")),
                   {reason});
  }
}

TEST(CliLimits, RecognizeMinConfidenceMustBeAConfidence) {
  expect_refusal(run_cli("recognize --model " + testing::quoted_model() + " --min-confidence nan " +
                         image("photo_rgb.jpg")),
                 {"--min-confidence: nan is not a confidence (limit: 0..1)"});
}

TEST(CliLimits, AnImageAboveTheBudgetIsRefusedFromItsHeader) {
  testing::TempDir dir("cli-pixels");
  const auto bomb = fixtures() / "images" / "bad" / "huge_sof.jpg";
  expect_refusal(run_cli("preprocess --model " + testing::quoted_model() + " " + quoted(bomb) +
                         " -o " + quoted(dir / "x.npy")),
                 {bomb.string() + ": JPEG header: declares 65000x60000", "limit: 89478485 pixels"});
  EXPECT_FALSE(fs::exists(dir / "x.npy"));
  // --max-pixels lowers (or raises) the budget for the run.
  const auto table = fixtures() / "images" / "table_rgb.png";  // 800x300
  expect_refusal(run_cli("preprocess --max-pixels 1000 --model " + testing::quoted_model() + " " +
                         quoted(table) + " -o " + quoted(dir / "x.npy")),
                 {"800x300", "limit: 1000 pixels"});
  const auto ok = run_cli("preprocess --max-pixels 240000 --model " + testing::quoted_model() +
                          " " + quoted(table) + " -o " + quoted(dir / "x.npy"));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(CliLimits, AbsurdConfigSizesAreRefusedNamingFileAndField) {
  testing::TempDir dir("cli-config");
  const fs::path copy = dir / "model";
  fs::copy(testing::model_fixture("deit-trocr"), copy, fs::copy_options::recursive);
  nlohmann::json config = testing::read_json(copy / "config.json");
  config["decoder"]["max_position_embeddings"] = 2000000000;
  write_file_atomic(copy / "config.json", config.dump());
  expect_refusal(run_cli("inspect " + quoted(copy)),
                 {(copy / "config.json").string() + ": decoder.max_position_embeddings: " +
                  "2000000000 is outside the supported range (limit: 1..16384)"});
  // 1e999 is a JSON number no double holds: a named ConfigError (exit 1), not an internal error.
  std::string text = config.dump();
  text.insert(1, "\"x\": 1e999, ");
  write_file_atomic(copy / "config.json", text);
  const auto result = run_cli("inspect " + quoted(copy));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.err.rfind("mlxocr: error: " + (copy / "config.json").string(), 0), 0u)
      << result.err;
}

TEST(CliLimits, FieldNamesAndIndicesAreChecked) {
  testing::TempDir dir("cli-fields");
  const auto scan = quoted(fixtures() / "forms" / "sample_scan.png");
  const auto run_with = [&](const nlohmann::json& fields) {
    write_file_atomic(dir / "fields.json", fields.dump());
    return run_cli("ocr -q -m " + testing::quoted_model() + " --template " + template_file() +
                   " --fields " + quoted(dir / "fields.json") + " " + scan);
  };
  // 2^32 + 1 used to wrap to box 1.
  expect_refusal(run_with(nlohmann::json::array({{{"index", 4294967297ULL}, {"name", "x"}}})),
                 {"fields.json: entry 0.index: 4294967297 is not one of the template's 18 boxes",
                  "limit: 1..18"});
  const auto newline = run_with(nlohmann::json::array({"surname\nforged,line"}));
  expect_refusal(newline, {"fields.json: entry 0", "control character (0x0A)"});
  expect_refusal(run_with(nlohmann::json::array({"\x1b[2Jname"})), {"control character (0x1B)"});
}

TEST(CliLimits, TemplateMessagesSayWhichFilterDroppedTheBoxes) {
  const auto result =
      run_cli("ocr -q -m " + testing::quoted_model() + " --template " + template_file() +
              " --max-box-width 0.01 " + quoted(fixtures() / "forms" / "sample_scan.png"));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("red outline(s) found, but the size filters dropped every one"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("wider than --max-box-width 0.01 of the template"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("no red field outlines found"), std::string::npos) << result.err;
}

TEST(CliLimits, ATinyScanWithAlignIsNamedNotAnOpenCvAssertion) {
  testing::TempDir dir("cli-align");
  const fs::path tiny = dir / "tiny.png";
  cv::imwrite(tiny.string(), cv::Mat(1, 1, CV_8UC3, cv::Scalar(255, 255, 255)));
  const auto result = run_cli("ocr -q -m " + testing::quoted_model() + " --template " +
                              template_file() + " --align " + quoted(tiny));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find(tiny.string() + ": 1x1 pixels is too small to align"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("Assertion"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("OpenCV"), std::string::npos) << result.err;
}

// train, eval and bench check every number before the model or the data is read: a refusal
// names the option and its range, exit 2, and nothing is written.
TEST(CliLimits, TrainOptionsOutOfRangeAreRefusedBeforeAnythingIsRead) {
  testing::TempDir dir("cli-train");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--batch-size 100000",
       "--batch-size: 100000 is outside the supported range (limit: 1..256)"},
      {"--batch-size 0", "--batch-size: 0 is outside the supported range (limit: 1..256)"},
      {"--eval-batch-size 0", "--eval-batch-size: 0 is outside"},
      {"--eval-batch-size -3", "--eval-batch-size: -3 is outside"},
      {"--grad-accum 0", "--grad-accum: 0 is outside the supported range (limit: 1..65536)"},
      {"--epochs nan", "--epochs: nan is outside"},
      {"--epochs inf", "--epochs: inf is outside"},
      {"--max-steps 2000000000",
       "--max-steps: 2000000000 is outside the supported range (limit: 0..1000000000)"},
      {"--warmup-steps -1", "--warmup-steps: -1 is outside"},
      {"--save-every -5", "--save-every: -5 is outside"},
      {"--keep-last -1", "--keep-last: -1 is outside"},
      {"--max-target-length 100000",
       "--max-target-length: 100000 is outside the supported range (limit: 0..16384)"},
      {"--weight-decay -1", "--weight-decay: -1 is outside"},
      {"--grad-clip nan", "--grad-clip: nan is outside"},
  };
  for (const auto& [flags, reason] : cases) {
    SCOPED_TRACE(flags);
    expect_refusal(
        run_cli("train --no-progress -m " + testing::quoted_model() + " --train " +
                quoted(dir / "missing.csv") + " -o " + quoted(dir / "out") + " " + flags),
        {reason});
    EXPECT_FALSE(fs::exists(dir / "out"));
  }
}

TEST(CliLimits, EvalAndBenchOptionsOutOfRangeAreRefused) {
  testing::TempDir dir("cli-eval");
  const std::vector<std::pair<std::string, std::string>> eval_cases = {
      {"--batch-size 0", "--batch-size: 0 is outside the supported range (limit: 1..256)"},
      {"--batch-size 100000", "--batch-size: 100000 is outside"},
      {"--num-beams 65", "--num-beams: 65 is outside the supported range (limit: 1..64)"},
      {"--max-new-tokens 0", "--max-new-tokens: 0 is outside"},
      {"--worst 2000000", "--worst: 2000000 is outside the supported range (limit: 0..1000000)"},
  };
  for (const auto& [flags, reason] : eval_cases) {
    SCOPED_TRACE(flags);
    expect_refusal(run_cli("eval -m " + testing::quoted_model() + " --data " +
                           quoted(dir / "missing.csv") + " " + flags),
                   {reason});
  }
  const std::vector<std::pair<std::string, std::string>> bench_cases = {
      {"--runs 0", "--runs: 0 is outside the supported range (limit: 1..1000)"},
      {"--warmup -1", "--warmup: -1 is outside"},
      {"--batch-sizes 1,100000",
       "--batch-sizes: 100000 is outside the supported range (limit: 1..256)"},
      {"--num-beams 1,100", "--num-beams: 100 is outside"},
      {"--new-tokens 0", "--new-tokens: 0 is outside"},
      {"--threads 100000", "--threads: 100000 is outside"},
  };
  for (const auto& [flags, reason] : bench_cases) {
    SCOPED_TRACE(flags);
    expect_refusal(run_cli("bench --no-limits --arch trocr-small " + flags), {reason});
  }
}

// A folder whose preprocessor_config.json resizes to another size than config.json's encoder
// image_size: one line naming both files, exit 1 (a file that cannot be used), before any image
// is read or anything is written.
TEST(CliLimits, AProcessorSizeTheEncoderCannotReadIsRefusedAtLoad) {
  testing::TempDir dir("cli-fit");
  const fs::path copy = dir / "model";
  fs::copy(testing::model_fixture("deit-trocr"), copy, fs::copy_options::recursive);
  nlohmann::json settings = testing::read_json(copy / "preprocessor_config.json");
  settings["size"] = 384;  // the encoder reads 32x32
  write_file_atomic(copy / "preprocessor_config.json", settings.dump());
  const std::string both = (copy / "preprocessor_config.json").string() +
                           ": size 384x384 (height x width) does not match " +
                           (copy / "config.json").string() + ": encoder.image_size 32x32";
  for (const std::string& command :
       {"recognize -m " + quoted(copy) + " " + image("photo_rgb.jpg"),
        "ocr -q -m " + quoted(copy) + " " + image("photo_rgb.jpg"),
        "convert -i " + quoted(copy) + " -o " + quoted(dir / "converted")}) {
    SCOPED_TRACE(command);
    const auto result = run_cli(command);
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_EQ(result.err, "mlxocr: error: " + both + " (patch_size 8x8, 16 patches): the encoder " +
                              "cannot read the images this processor makes (transformers' ViT " +
                              "refuses them at the first batch: \"Input image size doesn't " +
                              "match model\"); make the two files agree\n");
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
  EXPECT_FALSE(fs::exists(dir / "converted"));
  // preprocess writes what the processor makes, as TrOCRProcessor would, and warns.
  const auto result = run_cli("preprocess --model " + quoted(copy) + " " + image("photo_rgb.jpg") +
                              " -o " + quoted(dir / "pixels.npy"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err.rfind("mlxocr: warning: " + both + " (patch_size 8x8", 0), 0) << result.err;
  EXPECT_TRUE(fs::exists(dir / "pixels.npy"));
}

// What CLI11 refuses itself (a value that is not a number or does not fit its type, a
// validator's range, an unknown option) is a user's error too: exit 2, naming the option.
TEST(CliLimits, OptionsCli11RefusesExitTwo) {
  testing::TempDir dir("cli-parse");
  const std::string train = "train -m " + testing::quoted_model() + " --train " +
                            quoted(dir / "missing.csv") + " -o " + quoted(dir / "out") + " ";
  for (const auto& [command, option] : std::vector<std::pair<std::string, std::string>>{
           {train + "--batch-size 99999999999", "--batch-size"},
           {train + "--token-dropout 5", "--token-dropout"},
           {"ocr -m " + testing::quoted_model() + " --dpi 5 " + image("photo_rgb.jpg"), "--dpi"},
           {"ocr -m " + testing::quoted_model() + " --batch-size abc " + image("photo_rgb.jpg"),
            "--batch-size"},
           {"recognize --no-such-option " + image("photo_rgb.jpg"), "--no-such-option"}}) {
    SCOPED_TRACE(command);
    const auto result = run_cli(command);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find(option), std::string::npos) << result.err;
  }
  EXPECT_FALSE(fs::exists(dir / "out"));
  EXPECT_EQ(run_cli("ocr --help").exit_code, 0);
  EXPECT_EQ(run_cli("--version").exit_code, 0);
}

}  // namespace
}  // namespace mlxocr
