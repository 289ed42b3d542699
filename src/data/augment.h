// Light on-the-fly augmentation. PLACEHOLDER: interface agreed with branch `data`, which owns
// this file and replaces this version (rotation, blur, noise, contrast) when merged.
#pragma once

#include <random>

#include "image/image.h"

namespace mlxocr {

struct AugmentOptions {
  bool enabled = false;
  double max_rotation_deg = 2, max_blur_sigma = 0.8, noise_stddev = 8, contrast_range = 0.2;
};

RgbImage augment(const RgbImage& image, const AugmentOptions& options, std::mt19937_64& rng);

}  // namespace mlxocr
