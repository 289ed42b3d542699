// The documented ranges of the engine's options, shared by the recognizer and the pipeline
// (README "Limits"); a value outside them is refused with a LimitError before any work.
#pragma once

#include <cstdint>

namespace mlxocr {

inline constexpr int kMaxBatchSize = 256;  // regions decoded at once (memory: ~2 MB each at 384^2)
inline constexpr int kMaxNumBeams = 64;    // beams per region (generation settings allow as many)
inline constexpr int kMaxNewTokens = 1 << 20;  // tokens per region (the model's positions bound it)
// The image pixel budget (max_pixels of the options): PIL's Image.MAX_IMAGE_PIXELS by default
// (an A3 page at 600 dpi is 70 Mpx); at most 2^30, where OpenCV refuses to decode.
inline constexpr std::uint64_t kDefaultMaxImagePixels = 89478485;
inline constexpr std::uint64_t kMaxImagePixels = std::uint64_t{1} << 30;

}  // namespace mlxocr
