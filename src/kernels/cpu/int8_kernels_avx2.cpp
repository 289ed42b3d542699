// The int8 linear kernel's AVX2 path (int8_kernels.h), for CPUs without AVX-512 VNNI.
//
// Why vpmaddwd and not vpmaddubsw: vpmaddubsw multiplies unsigned by signed bytes and adds each
// pair into a saturating int16, and a pair of codes c <= 255 times activations |q| <= 127 reaches
// 64,770 > 32,767: the sums would be clipped, not exact. The usual ways out give up exactness
// (7-bit activations, a sign trick that cannot represent c - 128 = -128 negated) or double the
// products (splitting the codes into nibbles). vpmaddwd multiplies int16 pairs into int32 without
// saturation (it only wraps for -32768 * -32768 twice, which codes never reach): 16
// multiply-adds per instruction, the same multiplier work per product as vpmaddubsw followed by
// the vpmaddwd that would widen its result. The weight codes are split into their even and odd
// bytes on the fly (one and, one shift per 16 codes); the activations are widened once per call
// (widen_rows). So the int32 sums are exactly those of vpdpbusd, lane for lane.
#include <cmath>
#include <cstring>

#include "kernels/cpu/int8_kernels.h"
#include "kernels/cpu/int8_kernels_ymm.h"
#include "kernels/cpu/row_kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MLXOCR_AVX2 __attribute__((target("avx2,fma")))

namespace mlxocr::kernel::int8 {

namespace {

// dot += the products of 32 codes (8 uint32 of four) with the pairs of widened activations at
// `even` and `odd`: lane j gets c[4j] q[4j] + c[4j+2] q[4j+2] + c[4j+1] q[4j+1] + c[4j+3] q[4j+3].
MLXOCR_AVX2 inline __m256i madd_split(__m256i dot, __m256i codes, __m256i even, __m256i odd) {
  const __m256i c_even = _mm256_and_si256(codes, _mm256_set1_epi16(0xff));
  const __m256i c_odd = _mm256_srli_epi16(codes, 8);
  dot = _mm256_add_epi32(dot, _mm256_madd_epi16(c_even, even));
  return _mm256_add_epi32(dot, _mm256_madd_epi16(c_odd, odd));
}

MLXOCR_AVX2 inline __m256i broadcast_pair(const std::int16_t* at) {
  std::int32_t pair;
  std::memcpy(&pair, at, sizeof pair);
  return _mm256_set1_epi32(pair);
}

// y[r, o] for R rows and the 16 outputs of vector v of a packed block, as two halves of 8.
template <int R>
MLXOCR_AVX2 void micro_tile(const TileRows& x, const PackedBlock& w, std::int64_t v,
                            std::int64_t group, const float* bias, float* y,
                            std::int64_t y_stride) {
  const std::int64_t quads_per_group = group / 4, width = w.width, first = v * kLanes;
  __m256 acc[R][2];
  for (int r = 0; r < R; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (std::int64_t g = 0; g < x.groups; ++g) {
    __m256i dot[R][2];
    for (int r = 0; r < R; ++r)
      dot[r][0] = dot[r][1] = _mm256_setzero_si256();
    const std::int64_t q_end = (g + 1) * quads_per_group;
    for (std::int64_t q = g * quads_per_group; q < q_end; ++q) {
      const std::uint32_t* c = w.codes.data() + q * width + first;
      const __m256i c0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c));
      const __m256i c1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + 8));
      // Quad q's pairs in the widened rows: chunk q / 8, pair q % 8 of its evens and odds.
      const std::int64_t at = q / 8 * kChunk + q % 8 * 2;
      for (int r = 0; r < R; ++r) {
        const std::int16_t* p = x.pairs + r * x.pairs_stride + at;
        const __m256i even = broadcast_pair(p), odd = broadcast_pair(p + kChunk / 2);
        dot[r][0] = madd_split(dot[r][0], c0, even, odd);
        dot[r][1] = madd_split(dot[r][1], c1, even, odd);
      }
    }
    ymm::add_group<R>(acc, dot, x, w, g, first);
  }
  ymm::store_tile<R>(acc, bias, y, y_stride, first);
}

// Per output and weight group, per 64 inputs and row: two halves of 32 codes as stored.
template <int M>
struct FewRows {
  MLXOCR_AVX2 static void run(const TileRows& x, const FewRowsWeights& w, float* y,
                              std::int64_t from, std::int64_t to) {
    const std::int64_t in = x.features, groups = x.groups;
    for (std::int64_t o = from; o < to; ++o) {
      const std::uint8_t* row = w.codes + o * in;
      __m256 acc[M][2];
      float exact[M];  // the bias and the weight biases' share: sum_g b[o, g] xsum[r, g]
      for (int r = 0; r < M; ++r) {
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
        exact[r] = w.bias ? w.bias[o] : 0.0f;
      }
      for (std::int64_t g = 0; g < groups; ++g) {
        __m256i dot[M][2];
        for (int r = 0; r < M; ++r)
          dot[r][0] = dot[r][1] = _mm256_setzero_si256();
        for (std::int64_t k = g * w.group; k < (g + 1) * w.group; k += 2 * kChunk) {
          for (int h = 0; h < 2; ++h) {
            const std::int64_t at = k + h * kChunk;  // a chunk of 32 inputs
            const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + at));
            for (int r = 0; r < M; ++r) {
              const std::int16_t* p = x.pairs + r * x.pairs_stride + at;
              dot[r][h] =
                  madd_split(dot[r][h], c, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)),
                             _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + kChunk / 2)));
            }
          }
        }
        const float s = w.scales[o * groups + g], b = w.biases[o * groups + g];
        for (int r = 0; r < M; ++r) {
          const __m256 scale = _mm256_set1_ps(s * x.scales[r * groups + g]);
          for (int h = 0; h < 2; ++h)
            acc[r][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[r][h]), scale, acc[r][h]);
          exact[r] = std::fma(b, x.sums[r * groups + g], exact[r]);
        }
      }
      for (int r = 0; r < M; ++r)
        y[r * w.outputs + o] = ymm::reduce(acc[r][0], acc[r][1]) + exact[r];
    }
  }
};

}  // namespace

void block_rows_avx2(const TileRows& x, std::int64_t rows, const PackedBlock& w, std::int64_t group,
                     const float* bias, float* y, std::int64_t y_stride) {
  for (std::int64_t r = 0; r < rows; r += kTileRows) {
    const TileRows part = x.at(r);
    float* out = y + r * y_stride;
    for (std::int64_t v = 0; v < w.width / kLanes; ++v) {
      switch (std::min<std::int64_t>(kTileRows, rows - r)) {
        case 1:
          micro_tile<1>(part, w, v, group, bias, out, y_stride);
          break;
        case 2:
          micro_tile<2>(part, w, v, group, bias, out, y_stride);
          break;
        case 3:
          micro_tile<3>(part, w, v, group, bias, out, y_stride);
          break;
        default:
          micro_tile<kTileRows>(part, w, v, group, bias, out, y_stride);
      }
    }
  }
}

void few_rows_avx2(std::int64_t rows, const TileRows& x, const FewRowsWeights& w, float* y,
                   std::int64_t from, std::int64_t to) {
  with_row_count<FewRows>(rows, x, w, y, from, to);
}

}  // namespace mlxocr::kernel::int8

#else

#include "mlxocr/error.h"

namespace mlxocr::kernel::int8 {

void block_rows_avx2(const TileRows&, std::int64_t, const PackedBlock&, std::int64_t, const float*,
                     float*, std::int64_t) {
  throw UsageError("internal error: the avx2 int8 path on a CPU that is not x86-64");
}

void few_rows_avx2(std::int64_t, const TileRows&, const FewRowsWeights&, float*, std::int64_t,
                   std::int64_t) {
  throw UsageError("internal error: the avx2 int8 path on a CPU that is not x86-64");
}

}  // namespace mlxocr::kernel::int8

#endif
