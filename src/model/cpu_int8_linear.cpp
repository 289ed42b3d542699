// Linear layers with 8-bit weights as integer products on CPUs with AVX-512 VNNI: on many rows
// (the encoder of a model converted with --quantize 8 --quantize-encoder, the image's
// cross-attention keys and values) and on the few rows of a decoding step.
//
// Why: on many rows such a layer used to dequantize its weight to float32 and call sgemm, so an
// 8-bit encoder ran at float32 speed; on few rows each weight was converted to float and
// multiplied in float32. VNNI's vpdpbusd multiplies 64 byte pairs and adds them in fours into 16
// int32 lanes: four times the multiply-adds of a float32 FMA per instruction.
//
// The weight stays as mx::quantize stores it (uint8 codes c, a scale s and a bias b per group of
// `group` inputs: w = s c + b). The activations are quantized on the fly, per row and weight
// group, to int8 with a scale of their own (symmetric, round to nearest: x ~ sx q). Per output:
//   y[m, n] = bias[n] + sum_g ( sx[m,g] s[n,g] sum_{k in g} q[m,k] c[n,k] + xsum[m,g] b[n,g] )
// with xsum the exact float sum of x over the group, so the weight biases' share is exact and
// only the activations' rounding (at most half a step of max|x| / 127 per group) is new.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/array_bytes.h"
#include "model/blas_threads.h"
#include "model/cpu_kernel_primitive.h"
#include "model/cpu_kernels.h"
#include "model/cpu_row_kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MLXOCR_HAS_VNNI_PATH 1
#define MLXOCR_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))
#else
#define MLXOCR_HAS_VNNI_PATH 0
#define MLXOCR_VNNI
#endif

namespace mlxocr {

namespace kernel {

namespace {

constexpr int kLanes = 16;       // int32 outputs per 512-bit vector
constexpr int kTileRows = 4;     // rows of x per micro-tile
constexpr int kTileVectors = 3;  // vectors of 16 outputs per micro-tile (48 outputs)
constexpr int kMaxFewRows = 8;   // rows of x per pass of FewRows (with_row_count's most)

bool int8_linear_enabled() {
  static const bool enabled = [] {
    const char* env = std::getenv("MLXOCR_INT8_LINEAR");
    return env == nullptr || std::string(env) != "0";
  }();
  return enabled;
}

#if MLXOCR_HAS_VNNI_PATH

// Activations of `rows` rows quantized per group: codes [rows, features], scales and sums
// [rows, features / group]. group % 16 == 0.
MLXOCR_VNNI void quantize_rows(const float* x, std::int64_t begin, std::int64_t end,
                               std::int64_t features, std::int64_t group, std::int8_t* codes,
                               float* scales, float* sums) {
  const std::int64_t groups = features / group;
  for (std::int64_t r = begin; r < end; ++r) {
    for (std::int64_t g = 0; g < groups; ++g) {
      const float* xg = x + r * features + g * group;
      std::int8_t* qg = codes + r * features + g * group;
      __m512 largest = _mm512_setzero_ps(), total = _mm512_setzero_ps();
      for (std::int64_t k = 0; k < group; k += kLanes) {
        const __m512 v = _mm512_loadu_ps(xg + k);
        largest = _mm512_max_ps(largest, _mm512_abs_ps(v));
        total = _mm512_add_ps(total, v);
      }
      const float amax = _mm512_reduce_max_ps(largest);
      const float inverse = amax > 0.0f ? 127.0f / amax : 0.0f;
      scales[r * groups + g] = amax / 127.0f;
      sums[r * groups + g] = _mm512_reduce_add_ps(total);
      const __m512 by = _mm512_set1_ps(inverse);
      for (std::int64_t k = 0; k < group; k += kLanes) {
        // Round to nearest even (the default rounding mode), |x * 127 / amax| <= 127.
        const __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xg + k), by));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(qg + k), _mm512_cvtsepi32_epi8(q));
      }
    }
  }
}

// One block of `vectors` x 16 outputs from `first`, rearranged for vpdpbusd: for each run of
// four inputs, the four codes of each output side by side (one int32 lane per output), the
// vectors of the block one after the other; scales and biases [groups][vectors * 16].
struct PackedBlock {
  std::vector<std::uint32_t> codes;
  std::vector<float> scales, biases;
};

void pack_block(const std::uint32_t* codes, const float* scales, const float* biases,
                std::int64_t features, std::int64_t group, std::int64_t first, int vectors,
                PackedBlock& out) {
  const std::int64_t quads = features / 4, groups = features / group, width = vectors * kLanes;
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

// The activations' side of a micro-tile.
struct TileRows {
  const std::int8_t* codes;  // [R, features]
  const float* scales;       // [R, groups]
  const float* sums;         // [R, groups]
  std::int64_t features, groups;
};

// y[r, o] for R rows and V * 16 outputs of a packed block; `bias` (or null) and y point at the
// block's first output.
template <int R, int V>
MLXOCR_VNNI void micro_tile(const TileRows& x, const PackedBlock& w, std::int64_t group,
                            const float* bias, float* y, std::int64_t y_stride) {
  const std::int64_t quads_per_group = group / 4, width = V * kLanes;
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
  for (; r + kTileRows <= rows; r += kTileRows) {
    TileRows at = x;
    at.codes += r * x.features;
    at.scales += r * x.groups;
    at.sums += r * x.groups;
    micro_tile<kTileRows, V>(at, w, group, bias, y + r * y_stride, y_stride);
  }
  if (r == rows) return;
  TileRows at = x;
  at.codes += r * x.features;
  at.scales += r * x.groups;
  at.sums += r * x.groups;
  switch (rows - r) {
    case 1:
      return micro_tile<1, V>(at, w, group, bias, y + r * y_stride, y_stride);
    case 2:
      return micro_tile<2, V>(at, w, group, bias, y + r * y_stride, y_stride);
    default:
      return micro_tile<3, V>(at, w, group, bias, y + r * y_stride, y_stride);
  }
}

struct Int8Problem {
  const float* x;
  const std::uint32_t* codes;
  const float *scales, *biases, *bias;
  float* y;
  std::int64_t rows, features, outputs, group;
};

void int8_linear(const Int8Problem& p) {
  const std::int64_t groups = p.features / p.group;
  // The activations once, shared by all output blocks.
  std::unique_ptr<std::int8_t[]> codes(new std::int8_t[p.rows * p.features]);
  std::unique_ptr<float[]> scales(new float[p.rows * groups]), sums(new float[p.rows * groups]);
  for_rows(p.rows, p.features, [&](std::int64_t begin, std::int64_t end) {
    quantize_rows(p.x, begin, end, p.features, p.group, codes.get(), scales.get(), sums.get());
  });
  const TileRows x{codes.get(), scales.get(), sums.get(), p.features, groups};
  // Output blocks of 48 (the last may be 16 or 32) shared between threads; each thread packs
  // its block's weights (features x 48 bytes, in L1/L2) and runs every row over them.
  constexpr std::int64_t kBlock = kTileVectors * kLanes;
  const std::int64_t blocks = (p.outputs + kBlock - 1) / kBlock;
  for_rows(
      blocks, p.rows * p.features * kBlock / 4,
      [&](std::int64_t begin, std::int64_t end) {
        PackedBlock w;
        for (std::int64_t block = begin; block < end; ++block) {
          const std::int64_t first = block * kBlock;
          const int vectors = static_cast<int>(std::min(kBlock, p.outputs - first) / kLanes);
          pack_block(p.codes, p.scales, p.biases, p.features, p.group, first, vectors, w);
          const float* bias = p.bias ? p.bias + first : nullptr;
          float* y = p.y + first;
          if (vectors == 3)
            rows_of_block<3>(x, p.rows, w, p.group, bias, y, p.outputs);
          else if (vectors == 2)
            rows_of_block<2>(x, p.rows, w, p.group, bias, y, p.outputs);
          else
            rows_of_block<1>(x, p.rows, w, p.group, bias, y, p.outputs);
        }
      },
      1);
}

// y[r, o] for the M rows of x and outputs o in [from, to), the weight's codes row-major as
// mx::quantize stores them: per output and weight group, one vpdpbusd per 64 inputs and row
// (group % 64 == 0). For a decoding step's few rows, where repacking the weight for
// micro_tile would cost more than the products.
template <int M>
struct FewRows {
  MLXOCR_VNNI static void run(const TileRows& x, const std::uint8_t* codes, const float* scales,
                              const float* biases, const float* bias, float* y,
                              std::int64_t outputs, std::int64_t group, std::int64_t from,
                              std::int64_t to) {
    const std::int64_t in = x.features, groups = x.groups;
    for (std::int64_t o = from; o < to; ++o) {
      const std::uint8_t* row = codes + o * in;
      __m512 acc[M];
      float exact[M];  // bias[o] and the weight biases' share: sum_g b[o, g] xsum[r, g]
      for (int r = 0; r < M; ++r) {
        acc[r] = _mm512_setzero_ps();
        exact[r] = bias ? bias[o] : 0.0f;
      }
      for (std::int64_t g = 0; g < groups; ++g) {
        __m512i dot[M];
        for (int r = 0; r < M; ++r)
          dot[r] = _mm512_setzero_si512();
        for (std::int64_t k = g * group; k < (g + 1) * group; k += 64) {
          const __m512i c = _mm512_loadu_si512(row + k);
          for (int r = 0; r < M; ++r)
            dot[r] = _mm512_dpbusd_epi32(dot[r], c, _mm512_loadu_si512(x.codes + r * in + k));
        }
        const float s = scales[o * groups + g], b = biases[o * groups + g];
        for (int r = 0; r < M; ++r) {
          acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[r]),
                                   _mm512_set1_ps(s * x.scales[r * groups + g]), acc[r]);
          exact[r] += b * x.sums[r * groups + g];
        }
      }
      for (int r = 0; r < M; ++r)
        y[r * outputs + o] = _mm512_reduce_add_ps(acc[r]) + exact[r];
    }
  }
};

bool cpu_has_vnni() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vnni");
  return has;
}

#else

bool cpu_has_vnni() {
  return false;
}

#endif  // MLXOCR_HAS_VNNI_PATH

// Inputs x [N, in], codes [out, in / 4] (uint32), scales and biases [out, in / group], maybe
// bias [out]; output [N, out].
class Int8Linear : public KernelPrimitive {
 public:
  Int8Linear(mx::Stream stream, int group_size) : KernelPrimitive(stream), group_(group_size) {}
  const char* name() const override { return "MlxocrInt8Linear"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return group_ == static_cast<const Int8Linear&>(other).group_;
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {{inputs[0].shape(0), inputs[1].shape(0)}};
  }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& result) override {
    result.set_data(mx::allocator::malloc(result.nbytes()));
    dispatch(stream(), inputs, result, [group = group_](std::vector<mx::array>& in, mx::array& y) {
#if MLXOCR_HAS_VNNI_PATH
      // Our threads do this layer's work; OpenBLAS's spinning workers would take their cores.
      leave_blas_single_threaded();
      int8_linear({in[0].data<float>(), in[1].data<std::uint32_t>(), in[2].data<float>(),
                   in[3].data<float>(), in.size() > 4 ? in[4].data<float>() : nullptr,
                   y.data<float>(), in[0].shape(0), in[0].shape(1), in[1].shape(0), group});
#else
      (void)in, (void)y, (void)group;
      throw UsageError("internal error: the int8 linear kernel needs AVX-512 VNNI");
#endif
    });
  }

  // The gradient with respect to x (quantized_linear_vjp).
  std::vector<mx::array> vjp(const std::vector<mx::array>& primals,
                             const std::vector<mx::array>& cotangents,
                             const std::vector<int>& argnums,
                             const std::vector<mx::array>&) override {
    return quantized_linear_vjp(primals, cotangents, argnums, group_, 8);
  }

 private:
  int group_;
};

}  // namespace

bool int8_rows_supported(std::int64_t group) {
  return int8_linear_enabled() && cpu_has_vnni() && group > 0 && group % 64 == 0;
}

void int8_linear_rows_shared(const RowWeights& w, const float* x, const float* b, float* y,
                             std::int64_t rows, std::int64_t in, std::int64_t out,
                             std::int64_t from, std::int64_t to) {
#if MLXOCR_HAS_VNNI_PATH
  const std::int64_t groups = in / w.group;
  std::unique_ptr<std::int8_t[]> codes(new std::int8_t[rows * in]);
  std::unique_ptr<float[]> scales(new float[rows * groups]), sums(new float[rows * groups]);
  quantize_rows(x, 0, rows, in, w.group, codes.get(), scales.get(), sums.get());
  const auto* weights = reinterpret_cast<const std::uint8_t*>(w.codes);
  for_rows(
      to - from, in,
      [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = 0; r < rows; r += kMaxFewRows) {
          const std::int64_t count = std::min<std::int64_t>(kMaxFewRows, rows - r);
          const TileRows part{codes.get() + r * in, scales.get() + r * groups,
                              sums.get() + r * groups, in, groups};
          with_row_count<FewRows>(count, part, weights, w.scales, w.biases, b, y + r * out, out,
                                  w.group, from + begin, from + end);
        }
      },
      // A byte per weight: a second thread from as many bytes as for a float32 layer.
      4 * kMinWeightFloatsPerThread);
#else
  (void)w, (void)x, (void)b, (void)y, (void)rows, (void)in, (void)out, (void)from, (void)to;
  throw UsageError("internal error: the int8 linear kernel needs AVX-512 VNNI");
#endif
}

}  // namespace kernel

bool int8_linear_supports(int features, int outputs, int group_size, int bits) {
  return kernel::int8_linear_enabled() && kernel::cpu_has_vnni() &&
         cpu_kernels_apply(mx::float32) && bits == 8 && group_size % 16 == 0 &&
         features % group_size == 0 && outputs % 16 == 0;
}

mx::array int8_linear_cpu(const mx::array& x, const mx::array& packed, const mx::array& scales,
                          const mx::array& biases, int group_size,
                          const std::optional<mx::array>& bias) {
  const int features = x.ndim() == 2 ? x.shape(1) : -1;
  const int outputs = packed.ndim() == 2 ? packed.shape(0) : -1;
  if (!int8_linear_supports(features, outputs, group_size, 8) || packed.dtype() != mx::uint32 ||
      packed.shape(1) * 4 != features ||
      scales.shape() != mx::Shape{outputs, features / group_size} ||
      biases.shape() != scales.shape() ||
      (bias && (bias->ndim() != 1 || bias->shape(0) != outputs)))
    throw UsageError("internal error: int8_linear_cpu: x " + shape_string(x.shape()) + ", codes " +
                     shape_string(packed.shape()) + ", scales " + shape_string(scales.shape()) +
                     ", biases " + shape_string(biases.shape()) + " and bias (groups of " +
                     std::to_string(group_size) + ") do not fit");
  std::vector<mx::array> inputs = {x, packed, scales, biases};
  if (bias) inputs.push_back(*bias);
  return kernel::make(std::make_shared<kernel::Int8Linear>(kernel::cpu_stream(), group_size),
                      std::move(inputs));
}

}  // namespace mlxocr
