// `mlxocr preprocess` end to end: the binary's .npy equals the reference pixel_values.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/file_util.h"
#include "io/npy.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

const fs::path kImages = fs::path(MLXOCR_FIXTURES_DIR) / "images";

// Runs the CLI with `args`; stdout and stderr go to `log`. Returns the exit status.
int run_cli(const std::string& args, const fs::path& log) {
  const std::string command =
      "\"" + std::string(MLXOCR_CLI_PATH) + "\" " + args + " > \"" + log.string() + "\" 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(CliPreprocess, WritesReferencePixelValues) {
  const fs::path dir = fs::temp_directory_path() / "mlxocr_cli_preprocess_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "pixels.npy";
  const int rc = run_cli(
      "preprocess --model \"" + (kImages / "configs" / "bicubic_32x96").string() + "\" \"" +
          (kImages / "photo_progressive.jpg").string() + "\" --output \"" + out.string() + "\"",
      dir / "log.txt");
  ASSERT_EQ(rc, 0) << read_file(dir / "log.txt", 1 << 20);
  std::vector<int64_t> shape, ref_shape;
  const std::vector<float> ours = read_npy_f32(out, shape);
  const std::vector<float> ref =
      read_npy_f32(kImages / "expected" / "bicubic_32x96" / "photo_progressive.jpg.npy", ref_shape);
  EXPECT_EQ(shape, (std::vector<int64_t>{1, 3, 32, 96}));
  ASSERT_EQ(ours.size(), ref.size());
  float max_abs = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    max_abs = std::max(max_abs, std::abs(ours[i] - ref[i]));
  std::printf("mlxocr preprocess vs reference: max |diff| = %g\n", max_abs);
  EXPECT_LE(max_abs, 1e-6f);
  fs::remove_all(dir);
}

TEST(CliPreprocess, BadImageFailsWithOneLine) {
  const fs::path dir = fs::temp_directory_path() / "mlxocr_cli_preprocess_test2";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // The processor's settings are read first (a folder without them is refused); then the image.
  fs::copy_file(fs::path(MLXOCR_FIXTURES_DIR) / "models" / "vit-trocr" / "preprocessor_config.json",
                dir / "preprocessor_config.json");
  const int rc = run_cli("preprocess --model \"" + dir.string() + "\" \"" +
                             (kImages / "bad" / "text.png").string() + "\" -o \"" +
                             (dir / "x.npy").string() + "\"",
                         dir / "log.txt");
  const std::string log = read_file(dir / "log.txt", 1 << 20);
  EXPECT_EQ(rc, 1) << log;
  EXPECT_NE(log.find("text.png"), std::string::npos) << log;
  EXPECT_NE(log.find("not a supported image"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir / "x.npy"));
  EXPECT_EQ(run_cli("preprocess --help", dir / "help.txt"), 0);
  EXPECT_NE(read_file(dir / "help.txt", 1 << 20).find("TrOCRProcessor"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mlxocr
