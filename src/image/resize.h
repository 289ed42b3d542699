// Resampling of 8-bit RGB images that gives exactly the bytes Pillow's Image.resize gives.
#pragma once

#include "image/image.h"

namespace mlxocr {

// Pillow's filter numbers (PIL.Image.Resampling), as stored in preprocessor_config.json.
enum PilResample : int {
  kPilNearest = 0,
  kPilLanczos = 1,
  kPilBilinear = 2,
  kPilBicubic = 3,
  kPilBox = 4,
  kPilHamming = 5,
};

// Name of a filter number ("bilinear"), or "unknown".
const char* pil_resample_name(int resample);

// `PIL.Image.fromarray(rgb).resize((width, height), resample)` for an RGB image, bit for bit
// (Pillow 10.x, libImaging/Resample.c and Geometry.c): the same size returns a copy; NEAREST
// samples with Pillow's affine scaling; the other filters run Pillow's separable two-pass
// convolution (horizontal first), antialiased on downscale (support widened by the scale
// factor), with coefficients normalised in double and rounded to 22-bit fixed point.
// Throws UsageError for an unknown filter or a non-positive size.
RgbImage resize_like_pil(const RgbImage& image, int width, int height, int resample);

}  // namespace mlxocr
