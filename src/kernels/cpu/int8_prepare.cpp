// What the int8 paths share (int8_kernels.h): the activations' quantization, their widening for
// vpmaddwd and the weight's packing. Plain C++: O(rows x features), against the products'
// O(rows x features x outputs).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/cpu/int8_kernels.h"

namespace mlxocr::kernel::int8 {

namespace {

// Round to nearest even for |v| < 2^22: adding 1.5 * 2^23 leaves no fraction bits. Exact, with
// no call to nearbyint (a library call on baseline x86-64) and the same as cvtps2dq's default.
inline float round_even(float v) {
  constexpr float kMagic = 12582912.0f;
  return (v + kMagic) - kMagic;
}

}  // namespace

void quantize_rows(const float* x, std::int64_t begin, std::int64_t end, std::int64_t features,
                   std::int64_t group, std::int8_t* codes, float* scales, float* sums) {
  const std::int64_t groups = features / group;
  for (std::int64_t r = begin; r < end; ++r) {
    for (std::int64_t g = 0; g < groups; ++g) {
      const float* xg = x + r * features + g * group;
      std::int8_t* qg = codes + r * features + g * group;
      float largest = 0.0f, lanes[kLanes] = {};
      for (std::int64_t k = 0; k < group; k += kLanes) {
        for (int j = 0; j < kLanes; ++j) {
          largest = std::max(largest, std::abs(xg[k + j]));
          lanes[j] += xg[k + j];
        }
      }
      const float inverse = largest > 0.0f ? 127.0f / largest : 0.0f;
      scales[r * groups + g] = largest / 127.0f;
      sums[r * groups + g] = reduce16(lanes);
      // |x * 127 / max| <= 127 up to rounding, which round_even takes back to 127; the clamp
      // only keeps a NaN (whose row's output is NaN anyway) from an undefined conversion.
      for (std::int64_t k = 0; k < group; ++k) {
        const float q = std::min(127.0f, std::max(-127.0f, round_even(xg[k] * inverse)));
        qg[k] = static_cast<std::int8_t>(q);
      }
    }
  }
}

std::int64_t widened_stride(std::int64_t features) {
  return (features + kChunk - 1) / kChunk * kChunk;
}

void widen_rows(const std::int8_t* codes, std::int64_t rows, std::int64_t features,
                std::int16_t* out) {
  const std::int64_t stride = widened_stride(features);
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int8_t* row = codes + r * features;
    std::int16_t* to = out + r * stride;
    std::memset(to, 0, static_cast<size_t>(stride) * sizeof(std::int16_t));
    for (std::int64_t k = 0; k < features; ++k) {
      const std::int64_t chunk = k / kChunk * kChunk, at = k % kChunk;
      to[chunk + (at % 2) * (kChunk / 2) + at / 2] = row[k];
    }
  }
}

void pack_block(const std::uint32_t* codes, const float* scales, const float* biases,
                std::int64_t features, std::int64_t group, std::int64_t first, int vectors,
                PackedBlock& out) {
  const std::int64_t quads = features / 4, groups = features / group, width = vectors * kLanes;
  out.width = width;
  out.codes.resize(static_cast<std::size_t>(quads * width));
  out.scales.resize(static_cast<std::size_t>(groups * width));
  out.biases.resize(out.scales.size());
  // 8-bit codes are packed four to a uint32, input k in byte k % 4 of word k / 4.
  for (std::int64_t o = 0; o < width; ++o) {
    const std::uint32_t* row = codes + (first + o) * quads;
    for (std::int64_t q = 0; q < quads; ++q)
      out.codes[q * width + o] = row[q];
    for (std::int64_t g = 0; g < groups; ++g) {
      out.scales[g * width + o] = scales[(first + o) * groups + g];
      out.biases[g * width + o] = biases[(first + o) * groups + g];
    }
  }
}

}  // namespace mlxocr::kernel::int8
