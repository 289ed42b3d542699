// The int8 linear kernel's AVX-512 VNNI path (int8_kernels.h): vpdpbusd multiplies 64 byte pairs
// (unsigned codes, signed activations) and adds them in fours into 16 int32 lanes, four times
// the multiply-adds of a float32 FMA per instruction, and exact (no saturation).
#include <cmath>
#include <cstring>

#include "kernels/cpu/int8_kernels.h"
#include "kernels/cpu/row_kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MLXOCR_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni,fma")))

namespace mlxocr::kernel::int8 {

namespace {

// reduce16 (int8_kernels.h) of the 16 lanes, in the same order.
MLXOCR_VNNI inline float reduce(__m512 v) {
  const __m256 lo = _mm512_castps512_ps256(v);
  const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
  const __m256 s8 = _mm256_add_ps(lo, hi);
  const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

// y[r, o] for R rows and V * 16 outputs of a packed block.
template <int R, int V>
MLXOCR_VNNI void micro_tile(const TileRows& x, const PackedBlock& w, std::int64_t group,
                            const float* bias, float* y, std::int64_t y_stride) {
  const std::int64_t quads_per_group = group / 4, width = w.width;
  __m512 acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v)
      acc[r][v] = _mm512_setzero_ps();
  const std::uint32_t* codes = w.codes.data();
  for (std::int64_t g = 0; g < x.groups; ++g) {
    __m512i dot[R][V];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v)
        dot[r][v] = _mm512_setzero_si512();
    const std::int64_t q_end = (g + 1) * quads_per_group;
    for (std::int64_t q = g * quads_per_group; q < q_end; ++q) {
      __m512i c[V];
      for (int v = 0; v < V; ++v)
        c[v] = _mm512_loadu_si512(codes + q * width + v * kLanes);
      for (int r = 0; r < R; ++r) {
        std::int32_t four;
        std::memcpy(&four, x.codes + r * x.features + q * 4, sizeof four);
        const __m512i a = _mm512_set1_epi32(four);
        for (int v = 0; v < V; ++v)
          dot[r][v] = _mm512_dpbusd_epi32(dot[r][v], c[v], a);
      }
    }
    __m512 s[V], b[V];
    for (int v = 0; v < V; ++v) {
      s[v] = _mm512_loadu_ps(w.scales.data() + g * width + v * kLanes);
      b[v] = _mm512_loadu_ps(w.biases.data() + g * width + v * kLanes);
    }
    for (int r = 0; r < R; ++r) {
      const __m512 sx = _mm512_set1_ps(x.scales[r * x.groups + g]);
      const __m512 sum = _mm512_set1_ps(x.sums[r * x.groups + g]);
      for (int v = 0; v < V; ++v) {
        const __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(dot[r][v]), sx);
        acc[r][v] = _mm512_fmadd_ps(scaled, s[v], acc[r][v]);
        acc[r][v] = _mm512_fmadd_ps(sum, b[v], acc[r][v]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) {
      __m512 out = acc[r][v];
      if (bias) out = _mm512_add_ps(out, _mm512_loadu_ps(bias + v * kLanes));
      _mm512_storeu_ps(y + r * y_stride + v * kLanes, out);
    }
}

template <int V>
void rows_of_block(const TileRows& x, std::int64_t rows, const PackedBlock& w, std::int64_t group,
                   const float* bias, float* y, std::int64_t y_stride) {
  std::int64_t r = 0;
  for (; r + kTileRows <= rows; r += kTileRows)
    micro_tile<kTileRows, V>(x.at(r), w, group, bias, y + r * y_stride, y_stride);
  if (r == rows) return;
  switch (rows - r) {
    case 1:
      return micro_tile<1, V>(x.at(r), w, group, bias, y + r * y_stride, y_stride);
    case 2:
      return micro_tile<2, V>(x.at(r), w, group, bias, y + r * y_stride, y_stride);
    default:
      return micro_tile<3, V>(x.at(r), w, group, bias, y + r * y_stride, y_stride);
  }
}

// Per output and weight group, one vpdpbusd per 64 inputs and row, on the codes as stored.
template <int M>
struct FewRows {
  MLXOCR_VNNI static void run(const TileRows& x, const FewRowsWeights& w, float* y,
                              std::int64_t from, std::int64_t to) {
    const std::int64_t in = x.features, groups = x.groups;
    for (std::int64_t o = from; o < to; ++o) {
      const std::uint8_t* row = w.codes + o * in;
      __m512 acc[M];
      float exact[M];  // the bias and the weight biases' share: sum_g b[o, g] xsum[r, g]
      for (int r = 0; r < M; ++r) {
        acc[r] = _mm512_setzero_ps();
        exact[r] = w.bias ? w.bias[o] : 0.0f;
      }
      for (std::int64_t g = 0; g < groups; ++g) {
        __m512i dot[M];
        for (int r = 0; r < M; ++r)
          dot[r] = _mm512_setzero_si512();
        for (std::int64_t k = g * w.group; k < (g + 1) * w.group; k += 64) {
          const __m512i c = _mm512_loadu_si512(row + k);
          for (int r = 0; r < M; ++r)
            dot[r] = _mm512_dpbusd_epi32(dot[r], c, _mm512_loadu_si512(x.codes + r * in + k));
        }
        const float s = w.scales[o * groups + g], b = w.biases[o * groups + g];
        for (int r = 0; r < M; ++r) {
          acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[r]),
                                   _mm512_set1_ps(s * x.scales[r * groups + g]), acc[r]);
          exact[r] = std::fma(b, x.sums[r * groups + g], exact[r]);
        }
      }
      for (int r = 0; r < M; ++r)
        y[r * w.outputs + o] = reduce(acc[r]) + exact[r];
    }
  }
};

}  // namespace

void block_rows_avx512(const TileRows& x, std::int64_t rows, const PackedBlock& w,
                       std::int64_t group, const float* bias, float* y, std::int64_t y_stride) {
  const std::int64_t vectors = w.width / kLanes;
  if (vectors == 3) return rows_of_block<3>(x, rows, w, group, bias, y, y_stride);
  if (vectors == 2) return rows_of_block<2>(x, rows, w, group, bias, y, y_stride);
  rows_of_block<1>(x, rows, w, group, bias, y, y_stride);
}

void few_rows_avx512(std::int64_t rows, const TileRows& x, const FewRowsWeights& w, float* y,
                     std::int64_t from, std::int64_t to) {
  with_row_count<FewRows>(rows, x, w, y, from, to);
}

}  // namespace mlxocr::kernel::int8

#else

#include "mlxocr/error.h"

namespace mlxocr::kernel::int8 {

void block_rows_avx512(const TileRows&, std::int64_t, const PackedBlock&, std::int64_t,
                       const float*, float*, std::int64_t) {
  throw UsageError("internal error: the avx512vnni int8 path on a CPU that is not x86-64");
}

void few_rows_avx512(std::int64_t, const TileRows&, const FewRowsWeights&, float*, std::int64_t,
                     std::int64_t) {
  throw UsageError("internal error: the avx512vnni int8 path on a CPU that is not x86-64");
}

}  // namespace mlxocr::kernel::int8

#endif
