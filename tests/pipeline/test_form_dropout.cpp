// Form drop-out and ink following through the whole pipeline, on filled copies of the users'
// form (tests/fixtures/forms/real, tools/synth/real_forms.py --clean): labels printed inside the
// boxes, a name written larger than its box across the bottom line. The expectations are the
// generator's own counts of each field's writing and label pixels, drawn alone on an empty page;
// the crops the model would read (on_crop) must hold the writing's ink and not the label's.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/file_util.h"
#include "image/form_dropout.h"
#include "mlxocr/error.h"
#include "mlxocr/pipeline.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

fs::path real_forms() {
  return testing::fixtures() / "forms" / "real";
}

std::string form_file(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "form_%03d", i);
  return (real_forms() / name).string();
}

nlohmann::json truth(int i) {
  return nlohmann::json::parse(read_file(form_file(i) + ".json", 1 << 20))["fields"];
}

PipelineOptions form_options() {
  PipelineOptions options;
  options.models = {testing::model_fixture("vit-trocr").string()};
  options.mode = RegionMode::kForm;
  options.template_file = (testing::fixtures() / "forms" / "00_template.png").string();
  options.max_new_tokens = 1;  // the crops are the point, not what the tiny model reads
  return options;
}

int dark_pixels(const std::string& png) {
  const cv::Mat bytes(1, static_cast<int>(png.size()), CV_8UC1, const_cast<char*>(png.data()));
  const cv::Mat gray = cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);
  return cv::countNonZero(gray < 128);
}

struct Crops {
  std::vector<PageResult> pages;
  std::map<std::pair<size_t, int>, int> ink;  // (image, field) -> dark pixels of its crop
};

Crops read_forms(PipelineOptions options, const std::vector<int>& forms) {
  Crops out;
  options.on_crop = [&out](size_t image, int, int field, const std::string& png) {
    out.ink[{image, field}] = dark_pixels(png);
  };
  std::vector<std::string> files;
  for (const int i : forms)
    files.push_back(form_file(i) + ".png");
  out.pages = Pipeline(options).run(files);
  return out;
}

// Every labelled field of every form read holds its writing's pixels and not its label's (a
// field that crosses its outline is left to the ink-following tests). `lost`: the share of the
// writing's pixels that may be missing.
void expect_labels_left_out(const Crops& result, const std::vector<int>& forms, double lost = 0.0) {
  int checked = 0;
  for (size_t image = 0; image < forms.size(); ++image) {
    ASSERT_TRUE(result.pages[image].error.empty()) << result.pages[image].error;
    for (const auto& field : truth(forms[image])) {
      if (field["label"].is_null() || field["crossing"].get<bool>()) continue;
      const int number = field["field"], writing = field["writing_pixels"];
      const int label = field["label_pixels"];
      const auto crop = result.ink.find({image, number});
      ASSERT_NE(crop, result.ink.end()) << "form " << forms[image] << " field " << number;
      EXPECT_LE(crop->second, writing + std::max(3, label / 2));
      EXPECT_GE(crop->second, writing * (1.0 - lost) - std::max(3, label / 2))
          << "form " << forms[image] << " field " << number << " (\""
          << field["text"].get<std::string>() << "\", label \"" << field["label"].get<std::string>()
          << "\" of " << label << " px)";
      ++checked;
    }
  }
  EXPECT_GE(checked, 10);
}

TEST(FormDropout, WithABlankTheLabelsArePrintedInkAndLeftOut) {
  PipelineOptions options = form_options();
  options.blank_file = (real_forms() / "blank.png").string();
  const Crops result = read_forms(options, {0, 1});
  EXPECT_EQ(result.pages[0].dropout, "blank");
  expect_labels_left_out(result, {0, 1});
}

TEST(FormDropout, WithoutABlankFiveScansVoteOnWhatIsPrinted) {
  const Crops result = read_forms(form_options(), {0, 1, 2, 3, 4});
  EXPECT_EQ(result.pages[0].dropout, "vote of 5 scans");
  // These fillings are typed in one of five fonts at the same place on every form, so some of
  // their pixels coincide on four of the five and are taken for the form: e-mail addresses (the
  // same "@", ".", "o") lose up to a quarter of their pixels (docs/forms.md). The labels go.
  expect_labels_left_out(result, {0, 1, 2, 3, 4}, 0.3);
}

TEST(FormDropout, OneScanWithoutABlankFindsTheLabelsByPlaceAndSize) {
  const Crops result = read_forms(form_options(), {0});
  EXPECT_EQ(result.pages[0].dropout, "labels");
  expect_labels_left_out(result, {0});
  // On form 2 the phone number in field 5 had to be printed as small as its label: the rule
  // cannot tell them apart and keeps both (docs/forms.md); every other label goes.
  const Crops small = read_forms(form_options(), {2});
  const nlohmann::json fields = truth(2);
  const int writing = fields[4]["writing_pixels"], label = fields[4]["label_pixels"];
  EXPECT_NEAR(small.ink.at({0, 5}), writing + label, 3);
  for (const auto& field : fields) {
    const int number = field["field"];
    if (number == 5 || field["label"].is_null() || field["crossing"].get<bool>()) continue;
    EXPECT_NEAR(small.ink.at({0, number}), field["writing_pixels"].get<int>(),
                std::max(3, field["label_pixels"].get<int>() / 2))
        << "form 2 field " << number;
  }
}

TEST(FormDropout, SwitchedOffTheLabelsAreRead) {
  // The check above can fail: without drop-out, the crops hold label and writing.
  PipelineOptions options = form_options();
  options.dropout = false;
  const Crops result = read_forms(options, {0});
  int with_label = 0;
  for (const auto& field : truth(0)) {
    if (field["label"].is_null() || field["crossing"].get<bool>()) continue;
    const int writing = field["writing_pixels"], label = field["label_pixels"];
    with_label += result.ink.at({0, field["field"].get<int>()}) > writing + label / 2;
  }
  EXPECT_GE(with_label, 10);
  EXPECT_EQ(result.pages[0].dropout, "");
  EXPECT_TRUE(result.pages[0].dropped.empty());
}

TEST(FormDropout, WritingAcrossTheBottomLineIsWholeAndNotInTheNeighboursCrop) {
  const nlohmann::json fields = truth(0);
  ASSERT_TRUE(fields[1]["crossing"].get<bool>());  // field 2, a name above field 6
  const int name = fields[1]["writing_pixels"], below = fields[5]["writing_pixels"];
  PipelineOptions options = form_options();
  options.blank_file = (real_forms() / "blank.png").string();
  const Crops followed = read_forms(options, {0});
  // The descenders' tips that end on the neighbour's top line are lost with that line (about
  // 8 % of the name's ink on this form: the tails of g, y and Q), the rest is followed.
  EXPECT_GE(followed.ink.at({0, 2}), name * 91 / 100) << "of " << name;
  EXPECT_LE(followed.ink.at({0, 2}), name + 3);
  EXPECT_NEAR(followed.ink.at({0, 6}), below, 3);

  options.follow_ink = false;  // the crop ends inside the outline: the descenders are cut off
  const Crops cut = read_forms(options, {0});
  EXPECT_LT(cut.ink.at({0, 2}), name * 89 / 100) << "of " << name;
}

TEST(FormDropout, DroppedPixelsAreTheBlanksInkAndTheGuidesShowThem) {
  PipelineOptions options = form_options();
  options.blank_file = (real_forms() / "blank.png").string();
  const Crops result = read_forms(options, {0});
  const std::vector<PixelRun>& dropped = result.pages[0].dropped;
  ASSERT_FALSE(dropped.empty());
  const cv::Mat blank = cv::imread(options.blank_file, cv::IMREAD_GRAYSCALE);
  const cv::Mat printed = widen(blank < 128, dropout_tolerance(blank.size()));
  long long pixels = 0, on_print = 0;
  for (const PixelRun& run : dropped) {
    pixels += run.length;
    on_print += cv::countNonZero(printed.row(run.y).colRange(run.x, run.x + run.length));
  }
  EXPECT_EQ(on_print, pixels);
  // Every label's pixels, at least, were dropped.
  long long labels = 0;
  for (const auto& field : truth(0))
    labels += field["label_pixels"].get<int>();
  EXPECT_GE(pixels, labels);
}

TEST(FormDropout, BlankErrorsNameTheProblem) {
  PipelineOptions options = form_options();
  options.blank_file = "/nonexistent/blank.png";
  EXPECT_THROW(Pipeline{options}, FileError);
  options.blank_file = (real_forms() / "blank.png").string();
  options.dropout = false;
  EXPECT_THROW(Pipeline{options}, UsageError);
  PipelineOptions lines = form_options();
  lines.mode = RegionMode::kLine;
  lines.blank_file = options.blank_file;
  EXPECT_THROW(Pipeline{lines}, UsageError);
  // A blank page is not the form: with --align it matches nothing.
  options = form_options();
  options.align = true;
  options.blank_file = (testing::fixtures() / "forms" / "sample_page.png").string();
  try {
    Pipeline pipeline(options);
    ADD_FAILURE() << "a page of text was taken for the blank form";
  } catch (const ImageError& e) {
    EXPECT_NE(std::string(e.what()).find("sample_page.png"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mlxocr
