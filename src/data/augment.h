// Light on-the-fly augmentation for training on text lines: what a scanner or a camera does to a
// form field, kept small enough that the text stays readable.
#pragma once

#include <random>

#include "image/image.h"

namespace mlxocr {

struct AugmentOptions {
  bool enabled = false;
  double max_rotation_deg = 2;  // uniform in [-max, max], about the centre, edges replicated
  double max_blur_sigma = 0.8;  // Gaussian blur with sigma uniform in [0, max]
  double noise_stddev = 8;      // additive Gaussian noise, stddev uniform in [0, max] (0..255)
  double contrast_range = 0.2;  // contrast factor uniform in [1 - range, 1 + range], about the mean
};

// A randomly altered copy of `image` (same size), or an unchanged copy when `options.enabled` is
// false. Deterministic for a given state of `rng`, which it advances.
RgbImage augment(const RgbImage& image, const AugmentOptions& options, std::mt19937_64& rng);

}  // namespace mlxocr
