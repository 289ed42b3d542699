// The training plot: a long noisy loss gets its trend (a moving average) drawn over it.
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgcodecs.hpp>

#include "temp_dir.h"
#include "train/plot.h"

namespace mlxocr {
namespace {

int pixels_of(const cv::Mat& image, const cv::Vec3b& bgr) {
  int n = 0;
  for (int y = 0; y < image.rows; ++y)
    for (int x = 0; x < image.cols; ++x)
      n += image.at<cv::Vec3b>(y, x) == bgr;
  return n;
}

TEST(TrainingPlot, ALongNoisyLossGetsItsTrendOverThePerStepCurve) {
  testing::TempDir dir("plot");
  TrainingCurves curves;
  for (int step = 1; step <= 400; ++step)
    curves.loss.emplace_back(step, 3.0 - step / 400.0 + (step % 2 ? 0.5 : -0.5));
  curves.cer = {{200, 0.9}, {400, 0.5}};
  write_training_plot(dir.path() / "training.png", curves);
  const cv::Mat image = cv::imread((dir.path() / "training.png").string(), cv::IMREAD_COLOR);
  ASSERT_EQ(image.cols, 800);
  ASSERT_EQ(image.rows, 520);
  const cv::Mat loss_panel = image(cv::Rect(0, 0, 800, 260));
  EXPECT_GT(pixels_of(loss_panel, {240, 215, 190}), 20);  // every step, pale (anti-aliased)
  EXPECT_GT(pixels_of(loss_panel, {200, 90, 30}), 200);   // the moving average, dark
}

TEST(TrainingPlot, AShortRunIsDrawnAsIs) {
  testing::TempDir dir("plot");
  TrainingCurves curves;
  for (int step = 1; step <= 20; ++step)
    curves.loss.emplace_back(step, 5.0 - step * 0.1);
  write_training_plot(dir.path() / "training.png", curves);
  const cv::Mat image = cv::imread((dir.path() / "training.png").string(), cv::IMREAD_COLOR);
  EXPECT_EQ(pixels_of(image(cv::Rect(0, 0, 800, 260)), {240, 215, 190}), 0);
  EXPECT_GT(pixels_of(image(cv::Rect(0, 0, 800, 260)), {200, 90, 30}), 100);
}

}  // namespace
}  // namespace mlxocr
