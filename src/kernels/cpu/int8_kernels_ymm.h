// The float side of the two 256-bit int8 paths (int8_kernels_avx2.cpp, int8_kernels_avxvnni.cpp):
// they differ only in how the int32 sums are made (vpmaddwd on widened codes, vpdpbusd), and
// both must then scale and add them with the same float operations in the same order, so that
// every path gives the same bits. Included by those two files only, each compiled with
// -ffp-contract=off; the functions are for AVX2 + FMA and inline into both paths' kernels (a
// caller with AVX-VNNI as well may inline them).
#pragma once

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/int8_kernels.h"

#define MLXOCR_YMM __attribute__((target("avx2,fma")))

namespace mlxocr::kernel::int8::ymm {

// reduce16 (int8_kernels.h) of lanes 0-7 in lo and 8-15 in hi, in the same order.
MLXOCR_YMM inline float reduce(__m256 lo, __m256 hi) {
  const __m256 s8 = _mm256_add_ps(lo, hi);
  const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

// A micro-tile's group g: acc[r][h] += (dot[r][h] * x scale) * w scale + x sum * w bias, for the
// outputs first + 8h .. +7 of a packed block.
template <int R>
MLXOCR_YMM inline void add_group(__m256 (&acc)[R][2], const __m256i (&dot)[R][2], const TileRows& x,
                                 const PackedBlock& w, std::int64_t g, std::int64_t first) {
  for (int h = 0; h < 2; ++h) {
    const __m256 s = _mm256_loadu_ps(w.scales.data() + g * w.width + first + 8 * h);
    const __m256 b = _mm256_loadu_ps(w.biases.data() + g * w.width + first + 8 * h);
    for (int r = 0; r < R; ++r) {
      const __m256 sx = _mm256_set1_ps(x.scales[r * x.groups + g]);
      const __m256 sum = _mm256_set1_ps(x.sums[r * x.groups + g]);
      const __m256 scaled = _mm256_mul_ps(_mm256_cvtepi32_ps(dot[r][h]), sx);
      acc[r][h] = _mm256_fmadd_ps(scaled, s, acc[r][h]);
      acc[r][h] = _mm256_fmadd_ps(sum, b, acc[r][h]);
    }
  }
}

// A micro-tile's outputs: y[r, first .. first + 15] = acc[r] (+ bias).
template <int R>
MLXOCR_YMM inline void store_tile(const __m256 (&acc)[R][2], const float* bias, float* y,
                                  std::int64_t y_stride, std::int64_t first) {
  for (int r = 0; r < R; ++r)
    for (int h = 0; h < 2; ++h) {
      __m256 out = acc[r][h];
      if (bias) out = _mm256_add_ps(out, _mm256_loadu_ps(bias + first + 8 * h));
      _mm256_storeu_ps(y + r * y_stride + first + 8 * h, out);
    }
}

}  // namespace mlxocr::kernel::int8::ymm

#endif
