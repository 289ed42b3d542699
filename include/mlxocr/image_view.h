// An image already in memory, as the caller holds it: no copy is made until it is read.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mlxocr {

// 8-bit pixels, row-major, channels interleaved: 1 (gray), 3 (RGB) or 4 (RGBA). `stride` is the
// distance in bytes from one row to the next (0: tightly packed, width * channels), so that a
// crop of a larger buffer or a padded row (OpenCV, Qt, CoreGraphics) is read in place.
// Read as TrOCR users' PIL `.convert("RGB")` reads a file: gray is replicated into R, G and B and
// alpha is dropped, not composited, so a view gives the same text as a PNG of the same pixels.
// The data must stay valid for the duration of the call that reads it.
struct ImageView {
  int width = 0, height = 0;
  int channels = 3;
  std::ptrdiff_t stride = 0;
  const std::uint8_t* data = nullptr;
};

}  // namespace mlxocr
