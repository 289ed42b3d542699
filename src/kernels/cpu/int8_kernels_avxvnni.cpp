// The int8 linear kernel's AVX-VNNI path (int8_kernels.h), for CPUs with the VEX-encoded 256-bit
// vpdpbusd but without AVX-512 (Intel Alder Lake and later client parts, Sierra Forest; AMD Zen 5
// client parts).
//
// vpdpbusd multiplies unsigned bytes by signed bytes and adds each run of four products into an
// int32 lane, without saturation (vpdpbusds would saturate; we use the plain form). The weight
// codes c are unsigned (0..255) and the activations q signed (|q| <= 127), which is exactly its
// operand convention: the codes go in as the unsigned operand unchanged, as on the avx512vnni
// path, so no offset of the codes and no correction by sums is needed (the weight biases' share
// is the exact xsum b term every path adds). The packing is the shared PackedBlock: a vector of 16
// outputs is two 256-bit halves of 8, lane j of half h holding output 8h + j, and a decoding
// step's 64 inputs are two halves of 32, lane j of half h holding inputs 4(8h + j) .. +3, so the
// int32 sums are those of the 512-bit lanes, lane for lane, and the float operations are the
// avx2 path's.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/cpu/int8_kernels.h"
#include "kernels/cpu/int8_kernels_ymm.h"
#include "kernels/cpu/row_kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MLXOCR_AVXVNNI __attribute__((target("avx2,fma,avxvnni")))

namespace mlxocr::kernel::int8 {

namespace {

MLXOCR_AVXVNNI inline __m256i load(const void* at) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(at));
}

// y[r, o] for R rows and the 16 outputs of vector v of a packed block, as two halves of 8. With
// 16 vector registers (VEX), R = 4 keeps the 8 int32 sums, 2 code vectors and a broadcast in
// registers in the inner loop.
template <int R>
MLXOCR_AVXVNNI void micro_tile(const TileRows& x, const PackedBlock& w, std::int64_t v,
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
      const __m256i c0 = load(c), c1 = load(c + 8);
      for (int r = 0; r < R; ++r) {
        std::int32_t four;
        std::memcpy(&four, x.codes + r * x.features + q * 4, sizeof four);
        const __m256i a = _mm256_set1_epi32(four);
        dot[r][0] = _mm256_dpbusd_avx_epi32(dot[r][0], c0, a);
        dot[r][1] = _mm256_dpbusd_avx_epi32(dot[r][1], c1, a);
      }
    }
    ymm::add_group<R>(acc, dot, x, w, g, first);
  }
  ymm::store_tile<R>(acc, bias, y, y_stride, first);
}

// Per output and weight group, per 64 inputs and row: two halves of 32 codes as stored. The
// halves run one after the other so that M <= 8 rows' sums, a code vector and an activation
// vector fit the 16 registers (int32 sums are exact, so their order does not matter).
template <int M>
struct FewRows {
  MLXOCR_AVXVNNI static void run(const TileRows& x, const FewRowsWeights& w, float* y,
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
        const float s = w.scales[o * groups + g];
        for (int h = 0; h < 2; ++h) {
          __m256i dot[M];
          for (int r = 0; r < M; ++r)
            dot[r] = _mm256_setzero_si256();
          for (std::int64_t k = g * w.group + h * kChunk; k < (g + 1) * w.group; k += 2 * kChunk) {
            const __m256i c = load(row + k);
            for (int r = 0; r < M; ++r)
              dot[r] = _mm256_dpbusd_avx_epi32(dot[r], c, load(x.codes + r * in + k));
          }
          for (int r = 0; r < M; ++r) {
            const __m256 scale = _mm256_set1_ps(s * x.scales[r * groups + g]);
            acc[r][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[r]), scale, acc[r][h]);
          }
        }
        for (int r = 0; r < M; ++r)
          exact[r] = std::fma(w.biases[o * groups + g], x.sums[r * groups + g], exact[r]);
      }
      for (int r = 0; r < M; ++r)
        y[r * w.outputs + o] = ymm::reduce(acc[r][0], acc[r][1]) + exact[r];
    }
  }
};

}  // namespace

void block_rows_avxvnni(const TileRows& x, std::int64_t rows, const PackedBlock& w,
                        std::int64_t group, const float* bias, float* y, std::int64_t y_stride) {
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

void few_rows_avxvnni(std::int64_t rows, const TileRows& x, const FewRowsWeights& w, float* y,
                      std::int64_t from, std::int64_t to) {
  with_row_count<FewRows>(rows, x, w, y, from, to);
}

}  // namespace mlxocr::kernel::int8

#else

#include "mlxocr/error.h"

namespace mlxocr::kernel::int8 {

void block_rows_avxvnni(const TileRows&, std::int64_t, const PackedBlock&, std::int64_t,
                        const float*, float*, std::int64_t) {
  throw UsageError("internal error: the avxvnni int8 path on a CPU that is not x86-64");
}

void few_rows_avxvnni(std::int64_t, const TileRows&, const FewRowsWeights&, float*, std::int64_t,
                      std::int64_t) {
  throw UsageError("internal error: the avxvnni int8 path on a CPU that is not x86-64");
}

}  // namespace mlxocr::kernel::int8

#endif
