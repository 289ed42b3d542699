// Pipeline::run_each, the hook the server answers each request with: every file handed over
// once, in the list's order, with exactly the pages run() gives for it.
#include <gtest/gtest.h>

#include <stdexcept>

#include "mlxocr/pipeline.h"
#include "serve_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

PipelineOptions page_options() {
  PipelineOptions options;
  options.models = {testing::model_path()};
  options.mode = RegionMode::kPage;
  options.layout = LayoutEngine::kSimple;
  options.max_new_tokens = 6;
  options.batch_size = 3;  // batches hold regions of two files
  return options;
}

TEST(PipelineRunEach, HandsEachFileOverOnceInOrderWithTheResultsOfRun) {
  const fs::path dir = testing::fresh_dir("mlxocr_run_each");
  const std::vector<std::string> files = {testing::printed_page(dir, "one.png", 1).string(),
                                          (dir / "missing.png").string(),
                                          testing::printed_page(dir, "seven.png", 7).string(),
                                          testing::printed_page(dir, "two.png", 2).string()};
  Pipeline pipeline(page_options());
  const std::vector<PageResult> all = pipeline.run(files);
  std::vector<size_t> order;
  std::vector<PageResult> each;
  pipeline.run_each(files, [&](size_t input, std::vector<PageResult> pages) {
    order.push_back(input);
    ASSERT_EQ(pages.size(), 1u) << files[input];
    EXPECT_EQ(pages[0].input, input);
    each.push_back(std::move(pages[0]));
  });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3}));
  ASSERT_EQ(each.size(), all.size());
  const std::vector<size_t> lines = {1, 0, 7, 2};
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(each[i].source, all[i].source);
    EXPECT_EQ(each[i].error, all[i].error);
    EXPECT_EQ(each[i].fields.size(), lines[i]) << files[i];
    ASSERT_EQ(each[i].fields.size(), all[i].fields.size()) << files[i];
    for (size_t f = 0; f < all[i].fields.size(); ++f) {
      // The same batches as run(): the very same readings.
      EXPECT_EQ(each[i].fields[f].text, all[i].fields[f].text);
      EXPECT_EQ(each[i].fields[f].confidence, all[i].fields[f].confidence);
      EXPECT_EQ(each[i].fields[f].box, all[i].fields[f].box);
      EXPECT_EQ(each[i].fields[f].words.size(), all[i].fields[f].words.size());
    }
  }
  EXPECT_NE(each[1].error.find("missing.png"), std::string::npos) << each[1].error;
}

// A file is handed over once its regions are read, not when the run ends: the one-line file is
// handed over while the two-page file after it is still being analysed (its second page's crops
// are cut after that), its regions sharing the first decode batch with the page's.
TEST(PipelineRunEach, AFileIsHandedOverBeforeTheLaterFilesAreRead) {
  const fs::path dir = testing::fresh_dir("mlxocr_run_each_early");
  const fs::path one = testing::printed_page(dir, "one.png", 1);
  const cv::Mat page = cv::imread(testing::printed_page(dir, "page.png", 5).string());
  const fs::path two_pages = dir / "two_pages.tiff";
  ASSERT_TRUE(cv::imwritemulti(two_pages.string(), std::vector<cv::Mat>{page, page}));
  PipelineOptions options = page_options();
  std::vector<std::string> events;
  options.on_crop = [&](size_t image, int page_number, int field, const std::string&) {
    if (field == 1)
      events.push_back("cut " + std::to_string(image) + "." + std::to_string(page_number));
  };
  Pipeline pipeline(options);
  pipeline.run_each({one.string(), two_pages.string()},
                    [&](size_t input, std::vector<PageResult> pages) {
                      events.push_back("done " + std::to_string(input) + " (" +
                                       std::to_string(pages.size()) + " pages)");
                    });
  EXPECT_EQ(events, (std::vector<std::string>{"cut 0.1", "cut 1.1", "done 0 (1 pages)", "cut 1.2",
                                              "done 1 (2 pages)"}));
}

TEST(PipelineRunEach, AnExceptionFromTheCallbackEndsTheRun) {
  const fs::path dir = testing::fresh_dir("mlxocr_run_each_throw");
  const std::vector<std::string> files = {testing::printed_page(dir, "a.png", 1).string(),
                                          testing::printed_page(dir, "b.png", 4).string()};
  Pipeline pipeline(page_options());
  size_t calls = 0;
  EXPECT_THROW(pipeline.run_each(files,
                                 [&](size_t, std::vector<PageResult>) {
                                   ++calls;
                                   throw std::runtime_error("client gone");
                                 }),
               std::runtime_error);
  EXPECT_EQ(calls, 1u);
}

}  // namespace
}  // namespace mlxocr
