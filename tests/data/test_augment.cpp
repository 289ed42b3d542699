// augment: off means untouched, on means small, deterministic changes of the same size.
#include <gtest/gtest.h>

#include "data/augment.h"
#include "image/image.h"
#include "test_support.h"

namespace mlxocr {
namespace {

RgbImage line_image() {
  return load_image(testing::fixtures() / "images" / "small_96x32.png");
}

double mean_abs_difference(const RgbImage& a, const RgbImage& b) {
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i)
    sum += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return sum / a.pixels.size();
}

TEST(Augment, DisabledReturnsTheImageAndDrawsNothing) {
  const RgbImage image = line_image();
  std::mt19937_64 rng(7), untouched(7);
  const RgbImage out = augment(image, AugmentOptions{}, rng);
  EXPECT_EQ(out.pixels, image.pixels);
  EXPECT_EQ(rng(), untouched());
}

TEST(Augment, SameSeedSameImageOtherSeedOtherImage) {
  const RgbImage image = line_image();
  AugmentOptions options;
  options.enabled = true;
  std::mt19937_64 a(1), b(1), c(2);
  const RgbImage out_a = augment(image, options, a);
  const RgbImage out_b = augment(image, options, b);
  const RgbImage out_c = augment(image, options, c);
  EXPECT_EQ(out_a.width, image.width);
  EXPECT_EQ(out_a.height, image.height);
  EXPECT_EQ(out_a.pixels, out_b.pixels);
  EXPECT_NE(out_a.pixels, out_c.pixels);
  EXPECT_EQ(a(), b());  // the generator advanced the same way
}

TEST(Augment, ChangesAreLight) {
  const RgbImage image = line_image();
  AugmentOptions options;
  options.enabled = true;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 10; ++i) {
    const RgbImage out = augment(image, options, rng);
    EXPECT_GT(mean_abs_difference(out, image), 0.0);
    // A light augmentation moves pixels by a few levels on average, not by half the range.
    EXPECT_LT(mean_abs_difference(out, image), 40.0);
  }
}

TEST(Augment, ZeroStrengthsChangeNothing) {
  const RgbImage image = line_image();
  AugmentOptions options{true, 0, 0, 0, 0};
  std::mt19937_64 rng(5);
  EXPECT_EQ(augment(image, options, rng).pixels, image.pixels);
}

}  // namespace
}  // namespace mlxocr
