// mlxocr ocr as a user runs it: folders with bad files, form mode with pictures, atomic outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "cli_support.h"
#include "core/output_lock.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

fs::path template_file() {
  return testing::fixtures() / "forms" / "00_template.png";
}

// An empty scan of the form: the template's red outlines in black on white.
cv::Mat blank_form() {
  const cv::Mat templ = cv::imread(template_file().string(), cv::IMREAD_UNCHANGED);
  std::vector<cv::Mat> channels;
  cv::split(templ, channels);
  cv::Mat page = 255 - channels[3];
  cv::threshold(page, page, 200, 255, cv::THRESH_BINARY);
  return page;
}

TEST(OcrCli, FolderWithBadFilesReadsTheRestAndListsFailures) {
  const fs::path in = testing::fresh_dir("mlxocr_ocr_in"),
                 out = testing::fresh_dir("mlxocr_ocr_out");
  const fs::path images = testing::fixtures() / "images";
  fs::copy_file(images / "photo_rgb.jpg", in / "a_good.jpg");
  fs::copy_file(images / "table_rgb.png", in / "b_good.png");
  fs::copy_file(images / "bad" / "truncated.png", in / "c_broken.png");
  fs::copy_file(images / "bad" / "empty.png", in / "d_empty.png");
  fs::copy_file(images / "bad" / "text.png", in / "e_not_an_image.png");
  fs::copy_file(images / "bad" / "bomb_100000x100000.png", in / "f_huge.png");
  std::ofstream(in / "notes.txt") << "not matched by --pattern";

  const auto result = testing::run_cli("ocr -q --max-new-tokens 6 -m " + testing::quoted_model() +
                                       " '" + in.string() + "' -o '" + out.string() + "'");
  EXPECT_EQ(result.exit_code, 1) << result.err;
  for (const char* bad : {"c_broken.png", "d_empty.png", "e_not_an_image.png", "f_huge.png"}) {
    EXPECT_NE(result.err.find(bad), std::string::npos) << bad << "\n" << result.err;
  }
  std::ifstream all(out / "results.json");
  const auto j = nlohmann::json::parse(all);
  ASSERT_EQ(j.size(), 6u);  // every image has an entry; notes.txt is not an image pattern
  EXPECT_TRUE(j[0].contains("fields"));
  EXPECT_TRUE(j[1].contains("fields"));
  for (int i = 2; i < 6; ++i)
    EXPECT_TRUE(j[i].contains("error")) << j[i].dump();
  EXPECT_TRUE(fs::exists(out / "a_good.txt"));
  EXPECT_TRUE(fs::exists(out / "a_good.annotated.png"));
  EXPECT_TRUE(fs::exists(out / "results.csv"));
  for (const auto& entry : fs::directory_iterator(out)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "temporary file left: " << entry.path();
  }
}

TEST(OcrCli, FormModeWritesFieldsCropsAndPictures) {
  const fs::path out = testing::fresh_dir("mlxocr_ocr_form");
  // A scan of the form, shifted by a few pixels.
  cv::Mat page = blank_form();
  const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, 5, 0, 1, 4);
  cv::warpAffine(page, page, shift, page.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, 255);
  const fs::path scan = out / "scan.png";
  cv::imwrite(scan.string(), page);
  const fs::path fields = out / "fields.json";
  std::ofstream(fields) << R"(["surname", {"index": 3, "name": "date"}])";

  const auto result = testing::run_cli(
      "ocr -q --format json --max-new-tokens 4 -m " + testing::quoted_model() + " --template '" +
      template_file().string() + "' --align --fields '" + fields.string() + "' '" + scan.string() +
      "' -o '" + (out / "results").string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream in(out / "results" / "scan.json");
  const auto j = nlohmann::json::parse(in);
  ASSERT_EQ(j["fields"].size(), 18u);
  EXPECT_EQ(j["fields"][0]["name"], "surname");
  EXPECT_EQ(j["fields"][2]["name"], "date");
  EXPECT_TRUE(j["alignment"]["applied"]);
  EXPECT_NEAR(j["alignment"]["dx"].get<double>(), 5.0, 1.0);
  EXPECT_NEAR(j["alignment"]["dy"].get<double>(), 4.0, 1.0);
  EXPECT_EQ(j["fields"][0]["models"].size(), 1u);
  for (const char* picture : {"scan.guides.png", "scan.annotated.png", "scan.crops/018.png"}) {
    EXPECT_TRUE(fs::exists(out / "results" / picture)) << picture;
  }
}

// Field crops are cut down to the writing in them; --whole-boxes reads the box inside its inset.
TEST(OcrCli, FormCropsAreCutDownToTheWritingUnlessWholeBoxes) {
  const fs::path out = testing::fresh_dir("mlxocr_ocr_fit");
  cv::Mat page = blank_form();             // not shifted
  const cv::Rect box(1034, 198, 339, 75);  // field 1 of template_boxes.json
  cv::putText(page, "12.5", {box.x + 40, box.y + 50}, cv::FONT_HERSHEY_SIMPLEX, 0.8, cv::Scalar(0),
              2);
  const fs::path scan = out / "scan.png";
  cv::imwrite(scan.string(), page);

  auto crop_of_field_1 = [&](const std::string& flags, const std::string& name) {
    const auto result =
        testing::run_cli("ocr -q --format json --max-new-tokens 2 -m " + testing::quoted_model() +
                         " --template '" + template_file().string() + "' " + flags + " '" +
                         scan.string() + "' -o '" + (out / name).string() + "'");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return cv::imread((out / name / "scan.crops" / "001.png").string(), cv::IMREAD_GRAYSCALE);
  };
  const cv::Mat whole = crop_of_field_1("--whole-boxes", "whole");
  const cv::Mat fitted = crop_of_field_1("", "fitted");
  ASSERT_FALSE(whole.empty());
  ASSERT_FALSE(fitted.empty());
  EXPECT_EQ(whole.cols, box.width - 8);  // --inset 4 on each side
  EXPECT_EQ(whole.rows, box.height - 8);
  // The writing is about 17 px high and 60 px wide: with its margins (0.3 and 0.5 heights) the
  // fitted crop is far smaller than the box.
  EXPECT_LT(fitted.rows, 35);
  EXPECT_LT(fitted.cols, 100);
  EXPECT_GT(fitted.cols, 60);
}

TEST(OcrCli, ContradictoryFlagsAreOneClearLine) {
  const auto result =
      testing::run_cli("ocr -m " + testing::quoted_model() + " --lines --template t.png x.png");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("exclude each other"), std::string::npos) << result.err;
  const auto no_input =
      testing::run_cli("ocr -m " + testing::quoted_model() + " /nonexistent/folder/*.png");
  EXPECT_EQ(no_input.exit_code, 1);
  EXPECT_NE(no_input.err.find("/nonexistent/folder/*.png"), std::string::npos) << no_input.err;
}

// Line mode reads the whole image as recognize does, so with the same decoding flags both must
// give the same text; --min-confidence empties the text and keeps the confidence.
TEST(OcrCli, DecodingFlagsActAsInRecognize) {
  const std::string image = "'" + (testing::fixtures() / "images" / "photo_rgb.jpg").string() + "'";
  const std::string flags = " -m " + testing::quoted_model() + " --num-beams 3 --max-new-tokens 8 ";
  const auto ocr = testing::run_cli("ocr -q --format json" + flags + image);
  const auto rec = testing::run_cli("recognize --format json" + flags + image);
  ASSERT_EQ(ocr.exit_code, 0) << ocr.err;
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  const auto field = nlohmann::json::parse(ocr.out)["fields"][0];
  const auto line = nlohmann::json::parse(rec.out)[0];
  EXPECT_EQ(field["text"], line["text"]);
  EXPECT_NEAR(field["confidence"].get<double>(), line["confidence"].get<double>(), 1e-9);
  ASSERT_FALSE(line["text"].get<std::string>().empty());

  const auto strict = testing::run_cli("ocr -q --format json --min-confidence 1" + flags + image);
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  const auto cut = nlohmann::json::parse(strict.out)["fields"][0];
  EXPECT_EQ(cut["text"], "");
  EXPECT_NEAR(cut["confidence"].get<double>(), line["confidence"].get<double>(), 1e-9);

  const auto bad =
      testing::run_cli("ocr -q --num-beams 0" + flags.substr(0, flags.find("--")) + image);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--num-beams"), std::string::npos) << bad.err;
}

// Two inputs named x.png in two folders: two results, named after their folders, the same
// names whatever the order of the inputs.
TEST(OcrCli, SameFileNameInTwoFoldersNeverOverwrite) {
  const fs::path in = testing::fresh_dir("mlxocr_ocr_same_in"),
                 out = testing::fresh_dir("mlxocr_ocr_same_out");
  fs::create_directories(in / "a");
  fs::create_directories(in / "b");
  const fs::path images = testing::fixtures() / "images";
  fs::copy_file(images / "small_96x32.png", in / "a" / "x.png");
  fs::copy_file(images / "table_rgb.png", in / "b" / "x.png");
  const std::string a = "'" + (in / "a" / "x.png").string() + "'";
  const std::string b = "'" + (in / "b" / "x.png").string() + "'";
  for (const std::string& inputs : {a + " " + b, b + " " + a}) {
    fs::remove_all(out);
    const auto result =
        testing::run_cli("ocr -q --no-images --format json --max-new-tokens 2 -m " +
                         testing::quoted_model() + " " + inputs + " -o '" + out.string() + "'");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    for (const char* folder : {"a", "b"}) {
      std::ifstream file(out / folder / "x.json");
      ASSERT_TRUE(file) << folder;
      const auto j = nlohmann::json::parse(file);
      EXPECT_EQ(fs::path(j["image"].get<std::string>()), in / folder / "x.png");
    }
    EXPECT_FALSE(fs::exists(out / "x.json"));
  }
}

// A second ocr into a folder another one is writing fails at once, naming both.
TEST(OcrCli, ConcurrentWritersOfOneFolderFailClearly) {
  const fs::path out = testing::fresh_dir("mlxocr_ocr_locked");
  const fs::path image = testing::fixtures() / "images" / "small_96x32.png";
  const std::string command = "ocr -q --no-images --max-new-tokens 2 -m " +
                              testing::quoted_model() + " '" + image.string() + "' -o '" +
                              out.string() + "'";
  {
    const OutputLock running(OutputLock::inside(out), out, "ocr");
    const auto refused = testing::run_cli(command);
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.err.find(out.string() + ": another mlxocr is writing to this folder (pid " +
                               std::to_string(::getpid()) + ", mlxocr ocr)"),
              std::string::npos)
        << refused.err;
    EXPECT_FALSE(fs::exists(out / "small_96x32.txt"));
  }
  const auto result = testing::run_cli(command);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::exists(out / "small_96x32.txt"));
}

// Rule 6 of docs/security.md for an explicit list of files: `ocr a.png bad.png` with one input
// refused (corrupt, or over the pixel budget) writes every other input's result, says one line
// per refused file naming it and the problem, and exits 1 -- the same with -o and on stdout,
// and the same in `recognize`.
TEST(OcrCli, ARefusedInputAmongOthersKeepsEveryOtherResultAndExitsOne) {
  const fs::path images = testing::fixtures() / "images";
  const fs::path good = images / "small_96x32.png";  // 3072 pixels
  const fs::path corrupt = images / "bad" / "corrupt_idat.png";
  const fs::path over = images / "table_rgb.png";  // 800x300: over --max-pixels 100000
  const std::string inputs =
      " '" + good.string() + "' '" + corrupt.string() + "' '" + over.string() + "'";
  const std::string flags = " --max-pixels 100000 --max-new-tokens 4 -m " + testing::quoted_model();
  const auto expect_reported = [&](const testing::CliResult& result) {
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find("mlxocr: error: " + corrupt.string() + ": "), std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("mlxocr: error: " + over.string() +
                              ": PNG header: declares 800x300 = 240000 pixels"),
              std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("(limit: 100000 pixels)"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("internal error"), std::string::npos) << result.err;
  };

  const auto on_stdout = testing::run_cli("ocr -q --format json" + flags + inputs);
  expect_reported(on_stdout);
  const auto pages = nlohmann::json::parse(on_stdout.out);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0]["fields"].size(), 1u) << pages[0].dump();
  EXPECT_FALSE(pages[0].contains("error")) << pages[0].dump();
  EXPECT_TRUE(pages[1].contains("error"));
  EXPECT_TRUE(pages[2].contains("error"));

  const fs::path out = testing::fresh_dir("mlxocr_ocr_refused_out");
  const auto to_folder =
      testing::run_cli("ocr -q --no-images" + flags + inputs + " -o '" + out.string() + "'");
  expect_reported(to_folder);
  EXPECT_TRUE(fs::exists(out / "small_96x32.txt"));
  const auto all = testing::read_json(out / "results.json");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[0].contains("fields"));

  const auto recognized = testing::run_cli("recognize --format json" + flags + inputs);
  expect_reported(recognized);
  const auto lines = nlohmann::json::parse(recognized.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0].contains("text"));
  EXPECT_TRUE(lines[1].contains("error"));
  EXPECT_TRUE(lines[2].contains("error"));

  // Both manuals say so.
  for (const std::string command : {"ocr", "recognize"}) {
    const auto help = testing::run_cli(command + " --help");
    EXPECT_NE(help.out.find("every other input's result is still written"), std::string::npos)
        << command;
  }
}

// Copies of one small line image as in/a.png, in/b.png, ...: inputs read in a fraction of a second.
std::vector<fs::path> small_inputs(const fs::path& in, const std::vector<std::string>& names) {
  std::vector<fs::path> paths;
  for (const std::string& name : names) {
    paths.push_back(in / (name + ".png"));
    fs::copy_file(testing::fixtures() / "images" / "small_96x32.png", paths.back());
  }
  return paths;
}

std::string shell_words(const std::vector<fs::path>& paths) {
  std::string words;
  for (const fs::path& path : paths)
    words += " " + testing::quoted(path);
  return words;
}

// Issue 30: a file's outputs are written as soon as its regions are read, not after the run. With
// --batch-size 1, a.png is read before b.png's crop is cut; b's crops folder is blocked by a
// plain file, so saving b's crop ends the run: a's text and pictures are there all the same
// (written after the run, they were lost), and the one line says what failed.
TEST(OcrCli, EachFilesOutputsAreWrittenAsSoonAsItIsRead) {
  const fs::path in = testing::fresh_dir("mlxocr_ocr_each_in"),
                 out = testing::fresh_dir("mlxocr_ocr_each_out");
  const auto inputs = small_inputs(in, {"a", "b"});
  std::ofstream(out / "b.crops") << "in the way of b's crops folder";
  const auto result =
      testing::run_cli("ocr -q --batch-size 1 --max-new-tokens 2 -m " + testing::quoted_model() +
                       shell_words(inputs) + " -o " + testing::quoted(out));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.err.rfind("mlxocr: error: " + (out / "b.crops").string() + ": cannot create", 0),
            0u)
      << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_TRUE(fs::exists(out / "a.txt"));
  EXPECT_TRUE(fs::exists(out / "a.annotated.png"));
  EXPECT_TRUE(fs::exists(out / "a.crops" / "001.png"));
  EXPECT_FALSE(fs::exists(out / "b.txt"));
}

// An output that cannot be written (b.txt is a folder) is one failure named on stderr; the files
// after it are still read and written, and so are the outputs over all files. On stdout the
// files' texts come in the order of the inputs, each under its name.
TEST(OcrCli, AnOutputThatCannotBeWrittenIsOneFailureAndTheRunGoesOn) {
  const fs::path in = testing::fresh_dir("mlxocr_ocr_unwritable_in"),
                 out = testing::fresh_dir("mlxocr_ocr_unwritable_out");
  const auto inputs = small_inputs(in, {"a", "b", "c"});
  fs::create_directories(out / "b.txt" / "in the way");
  const std::string flags = "ocr -q --no-images --max-new-tokens 2 -m " + testing::quoted_model();
  const auto result = testing::run_cli(flags + shell_words(inputs) + " -o " + testing::quoted(out));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.err.rfind("mlxocr: error: " + (out / "b.txt").string() + ": ", 0), 0u)
      << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_TRUE(fs::exists(out / "a.txt"));
  EXPECT_TRUE(fs::exists(out / "c.txt"));
  const auto all = testing::read_json(out / "results.json");
  ASSERT_EQ(all.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(fs::path(all[i]["image"].get<std::string>()), inputs[i]);
    EXPECT_EQ(all[i]["fields"].size(), 1u) << all[i].dump();
  }

  const auto on_stdout = testing::run_cli(flags + shell_words(inputs));
  EXPECT_EQ(on_stdout.exit_code, 0) << on_stdout.err;
  size_t previous = 0;
  for (const fs::path& input : inputs) {
    const size_t at = on_stdout.out.find("== " + input.string() + "\n");
    ASSERT_NE(at, std::string::npos) << on_stdout.out;
    EXPECT_GE(at, previous) << on_stdout.out;
    previous = at;
  }
}

}  // namespace
}  // namespace mlxocr
