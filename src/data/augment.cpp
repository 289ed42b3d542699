#include "data/augment.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace mlxocr {

namespace {

// A uniform double in [0, 1) from the top 53 bits: the same numbers on every standard library
// (std::uniform_real_distribution is not specified bit for bit), so a run resumes identically.
double unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}
double uniform(std::mt19937_64& rng, double low, double high) {
  return low + (high - low) * unit(rng);
}

void rotate(cv::Mat& image, double degrees) {
  const cv::Point2f centre(image.cols / 2.0f, image.rows / 2.0f);
  const cv::Mat rotation = cv::getRotationMatrix2D(centre, degrees, 1.0);
  cv::Mat out;
  // Replicated edges: a line crop's border is paper, and black corners would look like ink.
  cv::warpAffine(image, out, rotation, image.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  image = out;
}

void change_contrast(cv::Mat& image, double factor) {
  const cv::Scalar mean = cv::mean(image);
  const double level = (mean[0] + mean[1] + mean[2]) / 3.0;
  image.convertTo(image, CV_8UC3, factor, level * (1.0 - factor));
}

void add_noise(cv::Mat& image, double stddev, uint64_t seed) {
  cv::Mat noise(image.size(), CV_16SC3);
  cv::RNG cv_rng(seed);
  cv_rng.fill(noise, cv::RNG::NORMAL, 0.0, stddev);
  cv::Mat wide;
  image.convertTo(wide, CV_16SC3);
  wide += noise;
  wide.convertTo(image, CV_8UC3);  // saturates to 0..255
}

}  // namespace

RgbImage augment(const RgbImage& image, const AugmentOptions& options, std::mt19937_64& rng) {
  if (!options.enabled || image.width <= 0 || image.height <= 0) return image;
  // Every random number is drawn whatever the options, so turning one effect off does not shift
  // the others' draws.
  const double degrees = uniform(rng, -1.0, 1.0) * options.max_rotation_deg;
  const double sigma = unit(rng) * options.max_blur_sigma;
  const double contrast = 1.0 + uniform(rng, -1.0, 1.0) * options.contrast_range;
  const double noise = unit(rng) * options.noise_stddev;
  const uint64_t noise_seed = rng();

  RgbImage out = image;
  cv::Mat mat(out.height, out.width, CV_8UC3, out.pixels.data());
  cv::Mat work = mat.clone();
  if (std::abs(degrees) > 1e-3) rotate(work, degrees);
  // Below 0.3 a 3-tap Gaussian changes nothing worth the time.
  if (sigma >= 0.3) cv::GaussianBlur(work, work, cv::Size(0, 0), sigma);
  if (std::abs(contrast - 1.0) > 1e-3) change_contrast(work, std::max(contrast, 0.0));
  if (noise >= 0.5) add_noise(work, noise, noise_seed);
  work.copyTo(mat);
  return out;
}

}  // namespace mlxocr
