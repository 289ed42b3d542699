// Resampling of 8-bit RGB images that gives exactly the bytes Pillow's Image.resize gives.
#pragma once

#include <optional>
#include <string_view>

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

// Which Pillow's order of the two resampling passes to follow. Up to 12.3 Pillow always resampled
// horizontally first; from 13 it resamples vertically first when the height shrinks by more than
// twice as many pixels as the width does (an enlarged width counting negative): most portrait
// images (taller than wide) brought to a square or a line shape. The 8-bit intermediate differs,
// so the bytes do too (23 grey levels apart for a 9x682 strip brought to 384x384 with lanczos).
enum class PillowResizeOrder {
  kPillow12,  // horizontal first, always (Pillow <= 12.3)
  kPillow13,  // vertical first when in_h - out_h > 0 and > 2 * (in_w - out_w) (Pillow >= 13)
};
inline constexpr PillowResizeOrder kDefaultPillowResizeOrder = PillowResizeOrder::kPillow13;

// "12" / "13", as recorded in a converted folder and shown by `mlxocr inspect`.
const char* pillow_resize_order_name(PillowResizeOrder order);
// From "12" or "13" (also "pillow12", "pillow13"); std::nullopt for anything else.
std::optional<PillowResizeOrder> parse_pillow_resize_order(std::string_view text);

// `PIL.Image.fromarray(rgb).resize((width, height), resample)` for an RGB image, bit for bit
// (libImaging/Resample.c and Geometry.c): the same size returns a copy; NEAREST samples with
// Pillow's affine scaling; the other filters run Pillow's separable two-pass convolution (in the
// order of the Pillow `order` names), antialiased on downscale (support widened by the scale
// factor), with coefficients normalised in double and rounded to 22-bit fixed point.
// Throws UsageError for an unknown filter or a non-positive size.
RgbImage resize_like_pil(const RgbImage& image, int width, int height, int resample,
                         PillowResizeOrder order = kDefaultPillowResizeOrder);

}  // namespace mlxocr
