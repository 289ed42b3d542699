// The library names option fields in its errors (PipelineOptions::dpi, TrainOptions::lr); the
// CLI shows its user the flags instead (cli/option_flags.h), and no field name gets through.
#include <gtest/gtest.h>

#include "cli_support.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::run_cli;

std::string quoted(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

TEST(CliOptionFlags, LibraryErrorsNameTheFlagsTheUserGave) {
  testing::TempDir dir("cli-flags");
  const std::string model = quoted(testing::model_fixture("deit-trocr"));
  const std::string image = quoted(testing::fixtures() / "images" / "small_96x32.png");
  const std::string train = "train -m " + model + " --train " + quoted(dir / "missing.csv") +
                            " -o " + quoted(dir / "out") + " ";
  for (const auto& [command, expected] : std::vector<std::pair<std::string, std::string>>{
           {"convert -i " + model + " -o " + quoted(dir / "q3") + " --quantize 3",
            "(use --quantize 4 or --quantize 8)"},
           {"ocr -m " + model + " --template " +
                quoted(testing::fixtures() / "forms" / "00_template.png") +
                " --max-box-width 0.01 " + image,
            "wider than --max-box-width 0.01 of the template"},
           {"ocr -m " + model + " --contrast 1000 " + image,
            "--contrast: 1000 is outside the supported range"},
           {train + "--lr 0", "--lr must be a positive number"},
           {train + "--resume " + quoted(dir.path()) + " --overwrite",
            "--resume and --overwrite exclude each other"}}) {
    SCOPED_TRACE(command);
    const auto result = run_cli(command);
    EXPECT_TRUE(result.exit_code == 1 || result.exit_code == 2) << result.err;  // refused input
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("Options::"), std::string::npos) << result.err;
  }
}

}  // namespace
}  // namespace mlxocr
