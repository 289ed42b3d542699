// mlxocr convert on bad input: every refusal is a clear error, and nothing is left half-written.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "convert/convert.h"
#include "core/file_util.h"
#include "core/output_lock.h"
#include "mlxocr/error.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

using testing::error_of;

// A copy of a fixture folder without the files named in `leave_out`.
fs::path copy_fixture(const TempDir& dir, const std::string& variant,
                      const std::vector<std::string>& leave_out) {
  const fs::path out = dir / ("src-" + variant);
  fs::create_directories(out);
  for (const auto& entry : fs::directory_iterator(testing::model_fixture(variant))) {
    const std::string name = entry.path().filename().string();
    if (std::find(leave_out.begin(), leave_out.end(), name) == leave_out.end())
      fs::copy_file(entry.path(), out / name);
  }
  return out;
}

ConvertOptions options_for(const fs::path& input, const fs::path& output) {
  ConvertOptions options;
  options.input = input.string();
  options.output = output;
  return options;
}

// Temporary or set-aside folders left next to `output`.
std::vector<std::string> leftovers(const fs::path& parent) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(parent)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos || name.find(".old-") != std::string::npos)
      found.push_back(name);
  }
  return found;
}

TEST(ConvertErrors, ExistingOutputIsRefusedUnlessForce) {
  TempDir dir("convert-exists");
  const fs::path out = dir / "out";
  fs::create_directories(out);
  std::ofstream(out / "keep.txt") << "mine";
  const std::string message =
      error_of<UsageError>([&] { convert_model(options_for(testing::model_fixture("odd"), out)); });
  EXPECT_NE(message.find(out.string() + " already exists"), std::string::npos) << message;
  EXPECT_NE(message.find("ConvertOptions::force"), std::string::npos) << message;
  EXPECT_TRUE(fs::exists(out / "keep.txt"));

  ConvertOptions forced = options_for(testing::model_fixture("odd"), out);
  forced.force = true;
  convert_model(forced);
  EXPECT_FALSE(fs::exists(out / "keep.txt"));
  EXPECT_TRUE(fs::exists(out / kConvertedWeightsFile));
  EXPECT_TRUE(leftovers(dir.path()).empty());
}

TEST(ConvertErrors, OutputThatIsTheSourceIsRefusedEvenWithForce) {
  TempDir dir("convert-self");
  const fs::path source = copy_fixture(dir, "odd", {});
  ConvertOptions options = options_for(source, source);
  options.force = true;
  const std::string message = error_of<UsageError>([&] { convert_model(options); });
  EXPECT_NE(message.find("is (or holds) the source"), std::string::npos) << message;
  options.output = dir.path();  // a folder holding the source
  error_of<UsageError>([&] { convert_model(options); });
  EXPECT_TRUE(fs::exists(source / "model.safetensors"));
}

TEST(ConvertErrors, ReadOnlyOutputIsAClearFileError) {
  TempDir dir("convert-ro");
  const fs::path read_only = dir / "ro";
  fs::create_directories(read_only);
  ::chmod(read_only.c_str(), 0555);
  fs::path out = read_only / "out";
  // root writes anywhere: use a folder no one can create entries in.
  if (::access(read_only.c_str(), W_OK) == 0) out = "/proc/self/mlxocr-out";
  const std::string message =
      error_of<FileError>([&] { convert_model(options_for(testing::model_fixture("odd"), out)); });
  EXPECT_NE(message.find(out.string()), std::string::npos) << message;
  EXPECT_NE(message.find("cannot write"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(out));
  ::chmod(read_only.c_str(), 0755);
  EXPECT_TRUE(leftovers(read_only).empty());
}

TEST(ConvertErrors, SourceMissingConfigNamesItAndSuggestsBase) {
  TempDir dir("convert-noconfig");
  const fs::path source = copy_fixture(dir, "odd", {"config.json"});
  const std::string message =
      error_of<ConfigError>([&] { convert_model(options_for(source, dir / "out")); });
  EXPECT_NE(message.find("no config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("ConvertOptions::base"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir / "out"));

  ConvertOptions with_base = options_for(source, dir / "out");
  with_base.base = testing::model_fixture("odd").string();
  convert_model(with_base);
  EXPECT_TRUE(fs::exists(dir / "out" / "config.json"));
}

TEST(ConvertErrors, SourceMissingWeightsNamesWhatWasLookedFor) {
  TempDir dir("convert-noweights");
  const fs::path source = copy_fixture(dir, "odd", {"model.safetensors", "pytorch_model.bin"});
  const std::string message =
      error_of<CheckpointError>([&] { convert_model(options_for(source, dir / "out")); });
  EXPECT_NE(message.find("no model weights found"), std::string::npos) << message;
  EXPECT_NE(message.find("model.safetensors"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(ConvertErrors, SourceMissingTokenizerNeedsBase) {
  TempDir dir("convert-notok");
  const fs::path source = copy_fixture(dir, "deit-trocr",
                                       {"sentencepiece.bpe.model", "tokenizer_config.json",
                                        "special_tokens_map.json", "preprocessor_config.json"});
  const std::string message =
      error_of<TokenizerError>([&] { convert_model(options_for(source, dir / "out")); });
  EXPECT_NE(message.find("no tokenizer files"), std::string::npos) << message;
  EXPECT_NE(message.find("ConvertOptions::base"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir / "out"));
  EXPECT_TRUE(leftovers(dir.path()).empty());

  ConvertOptions with_base = options_for(source, dir / "out");
  with_base.base = testing::model_fixture("deit-trocr").string();
  const Conversion result = convert_model(with_base);
  for (const char* name : {"sentencepiece.bpe.model", "tokenizer_config.json",
                           "special_tokens_map.json", "preprocessor_config.json"}) {
    EXPECT_TRUE(fs::exists(dir / "out" / name)) << name;
  }
  EXPECT_TRUE(result.warnings.empty());
}

TEST(ConvertErrors, MissingPreprocessorConfigIsAWarning) {
  TempDir dir("convert-nopre");
  const fs::path source = copy_fixture(dir, "odd", {"preprocessor_config.json"});
  const Conversion result = convert_model(options_for(source, dir / "out"));
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("preprocessor_config.json is missing"), std::string::npos);
}

// A folder transformers 5 saved (processor_config.json only, tokenizer.json alone): the converted
// folder has a flat preprocessor_config.json that records the Pillow resize order it runs with.
TEST(ConvertErrors, Transformers5FolderGetsAFlatProcessorConfig) {
  TempDir dir("convert-v5");
  const fs::path source = testing::fixtures() / "stacks" / "v5" / "model";
  const Conversion result = convert_model(options_for(source, dir / "out"));
  EXPECT_TRUE(result.warnings.empty()) << result.warnings.front();
  std::ifstream in(dir / "out" / "preprocessor_config.json");
  const nlohmann::json written = nlohmann::json::parse(in);
  EXPECT_EQ(written["size"]["height"], 32);
  // The order in force: MLXOCR_PILLOW where set (the suite sets 12 for the older fixtures,
  // tests/stacks), else the current Pillow's, 13.
  const char* pillow = std::getenv("MLXOCR_PILLOW");
  EXPECT_EQ(written["mlxocr_pillow_resize_order"], pillow != nullptr ? pillow : "13");
  EXPECT_TRUE(fs::exists(dir / "out" / "tokenizer.json"));
}

// A fine-tuned checkpoint file: weights from the file, everything else from --base.
TEST(ConvertErrors, WeightsFileNeedsBase) {
  TempDir dir("convert-file");
  const fs::path file = testing::model_fixture("deit-trocr") / "pytorch_model.bin";
  const std::string message =
      error_of<UsageError>([&] { convert_model(options_for(file, dir / "out")); });
  EXPECT_NE(message.find("ConvertOptions::base"), std::string::npos) << message;

  ConvertOptions options = options_for(file, dir / "out");
  options.base = testing::model_fixture("deit-trocr").string();
  convert_model(options);
  const TrOCRModel converted = load_model(dir / "out");
  const TrOCRModel original = load_model(testing::model_fixture("deit-trocr"));
  const mx::array pixels = mx::zeros({1, 3, 32, 32});
  const mx::array ids = mx::array({2, 5, 7}, {1, 3}, mx::int32);
  EXPECT_EQ(testing::max_abs_diff(converted.logits(pixels, ids), original.logits(pixels, ids)),
            0.0f);
}

TEST(ConvertErrors, UnsupportedQuantizationSettings) {
  TempDir dir("convert-bits");
  for (int bits : {1, 2, 3, 6, 16}) {
    ConvertOptions options = options_for(testing::model_fixture("odd"), dir / "out");
    options.bits = bits;
    const std::string message = error_of<UsageError>([&] { convert_model(options); });
    EXPECT_NE(message.find("unsupported quantization: " + std::to_string(bits) + " bits"),
              std::string::npos)
        << message;
  }
  ConvertOptions options = options_for(testing::model_fixture("odd"), dir / "out");
  options.bits = 4;
  options.group_size = 48;
  const std::string message = error_of<UsageError>([&] { convert_model(options); });
  EXPECT_NE(message.find("unsupported group size 48"), std::string::npos) << message;
  EXPECT_NE(error_of<UsageError>([] { parse_float_dtype("float64"); }).find("float64"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(ConvertErrors, QuantizedSourceIsRefusedFloatOneIsReconverted) {
  TempDir dir("convert-twice");
  ConvertOptions options = options_for(testing::model_fixture("vit-trocr"), dir / "q8");
  options.bits = 8;
  options.group_size = 32;
  convert_model(options);
  const std::string message =
      error_of<UsageError>([&] { convert_model(options_for(dir / "q8", dir / "again")); });
  EXPECT_NE(message.find("already quantized (8-bit)"), std::string::npos) << message;

  convert_model(options_for(testing::model_fixture("vit-trocr"), dir / "f32"));
  ConvertOptions half = options_for(dir / "f32", dir / "f16");
  half.dtype = "float16";
  const Conversion result = convert_model(half);
  EXPECT_EQ(result.format.dtype, "float16");
  EXPECT_EQ(load_model(dir / "f16").decoder.dtype, mx::float16);
}

TEST(ConvertErrors, ConvertedFolderWithoutWeightsOrFromTheFuture) {
  TempDir dir("convert-broken");
  convert_model(options_for(testing::model_fixture("odd"), dir / "out"));
  {
    std::ifstream in(dir / "out" / "config.json");
    nlohmann::json config = nlohmann::json::parse(in);
    config["mlxocr"]["format_version"] = kConvertedFormatVersion + 1;
    std::ofstream(dir / "out" / "config.json") << config.dump();
  }
  std::string message = error_of<ConfigError>([&] { load_model(dir / "out"); });
  EXPECT_NE(message.find("converted by a newer mlxocr"), std::string::npos) << message;

  convert_model(options_for(testing::model_fixture("odd"), dir / "out2"));
  fs::remove(dir / "out2" / kConvertedWeightsFile);
  message = error_of<CheckpointError>([&] { load_model(dir / "out2"); });
  EXPECT_NE(message.find(std::string(kConvertedWeightsFile) + " is missing"), std::string::npos)
      << message;
}

TEST(ConvertErrors, ASecondConvertIntoTheSameOutputFailsAtOnce) {
  TempDir dir("convert-lock");
  const fs::path out = dir / "out";
  // A convert in progress holds the lock beside its output (as convert_model does).
  const OutputLock running(OutputLock::beside(out), out, "convert");
  const std::string message =
      error_of<UsageError>([&] { convert_model(options_for(testing::model_fixture("odd"), out)); });
  EXPECT_NE(message.find(out.string() + ": another mlxocr is writing to this folder (pid " +
                         std::to_string(::getpid()) + ", mlxocr convert)"),
            std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(leftovers(dir.path()).empty());
}

TEST(ConvertErrors, WhatAKilledConvertLeftIsCleanedUpByTheNextRun) {
  TempDir dir("convert-killed");
  const fs::path out = dir / "out";
  // Killed while writing: its temporary folder; and, of another killed run, a previous output
  // moved aside while the new one was not yet in place.
  fs::create_directories(dir / ".out.tmp-123456789");
  std::ofstream(dir / ".out.tmp-123456789" / "model.safetensors") << "half";
  fs::create_directories(dir / ".out.old-42");
  std::ofstream(dir / ".out.old-42" / "keep.txt") << "previous model";
  fs::create_directories(dir / ".out.tmp-notours");  // not a name convert gives: left alone

  // The previous output is moved back, so without --force it is refused as any existing output.
  const std::string message =
      error_of<UsageError>([&] { convert_model(options_for(testing::model_fixture("odd"), out)); });
  EXPECT_NE(message.find("already exists"), std::string::npos) << message;
  EXPECT_EQ(read_file(out / "keep.txt", 1024), "previous model");
  EXPECT_FALSE(fs::exists(dir / ".out.tmp-123456789"));
  EXPECT_FALSE(fs::exists(dir / ".out.old-42"));
  EXPECT_TRUE(fs::exists(dir / ".out.tmp-notours"));

  // A set-aside folder whose replacement did reach its place is simply removed.
  fs::create_directories(dir / ".out.old-43");
  ConvertOptions forced = options_for(testing::model_fixture("odd"), out);
  forced.force = true;
  const Conversion result = convert_model(forced);
  EXPECT_FALSE(fs::exists(dir / ".out.old-43"));
  EXPECT_TRUE(fs::exists(out / kConvertedWeightsFile));
  EXPECT_NE(std::find_if(result.warnings.begin(), result.warnings.end(),
                         [](const std::string& w) { return w.find(".out.old-43") != w.npos; }),
            result.warnings.end());
}

}  // namespace
}  // namespace mlxocr
