// PLACEHOLDER until branch `data` lands: contrast and noise only.
#include "data/augment.h"

#include <algorithm>

namespace mlxocr {

RgbImage augment(const RgbImage& image, const AugmentOptions& options, std::mt19937_64& rng) {
  if (!options.enabled) return image;
  RgbImage out = image;
  std::uniform_real_distribution<double> contrast(1 - options.contrast_range,
                                                  1 + options.contrast_range);
  std::normal_distribution<double> noise(0.0, options.noise_stddev);
  const double c = contrast(rng);
  for (uint8_t& p : out.pixels)
    p = static_cast<uint8_t>(std::clamp((p - 128.0) * c + 128.0 + noise(rng), 0.0, 255.0));
  return out;
}

}  // namespace mlxocr
