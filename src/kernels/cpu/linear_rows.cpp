// CPU kernels of a decoding step: a linear layer applied to a handful of rows (one token per
// sequence), float32 or 8/4-bit quantized. See enabled.h for why.
#include "kernels/cpu/linear_rows.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "kernels/cpu/primitive.h"
#include "kernels/cpu/row_kernels.h"
#include "kernels/cpu/vector_math.h"

namespace mlxocr {

namespace kernel {

using vmath::f8;
using vmath::kLanes;

// y[r, o] = x[r] . w[o] + b[o] for one weight row o and the M rows of x, the weight row read
// front to back once, with P independent partial sums per row of x (so that there are always
// several FMA chains in flight).
template <int M, int P>
[[gnu::always_inline]] inline void linear_row(const float* x, const float* w, const float* b,
                                              float* y, std::int64_t in, std::int64_t out,
                                              std::int64_t o) {
  const float* row = w + o * in;
  f8 acc[M][P];
  for (int r = 0; r < M; ++r)
    for (int p = 0; p < P; ++p)
      acc[r][p] = vmath::splat(0.0f);
  std::int64_t i = 0;
  for (; i + P * kLanes <= in; i += P * kLanes) {
    for (int p = 0; p < P; ++p) {
      const f8 weights = vmath::load(row + i + p * kLanes);
      for (int r = 0; r < M; ++r)
        acc[r][p] += weights * vmath::load(x + r * in + i + p * kLanes);
    }
  }
  for (; i + kLanes <= in; i += kLanes) {
    const f8 weights = vmath::load(row + i);
    for (int r = 0; r < M; ++r)
      acc[r][0] += weights * vmath::load(x + r * in + i);
  }
  for (int r = 0; r < M; ++r) {
    for (int p = 1; p < P; ++p)
      acc[r][0] += acc[r][p];
    float sum = vmath::sum(acc[r][0]);
    for (std::int64_t k = i; k < in; ++k)
      sum += x[r * in + k] * row[k];
    y[r * out + o] = sum + (b ? b[o] : 0.0f);
  }
}

// How far ahead of the current block LinearSpan prefetches, in weight rows.
constexpr std::int64_t kPrefetchRows = 16;

// Outputs [from, to) for the M rows of x. Up to 3 rows of x, each weight row is read front to
// back as one stream, which the hardware prefetcher follows at close to the memory's bandwidth
// (a 64044 x 256 projection at one row: 15 against 11 GB/s on one core of the development
// machine when several weight rows were interleaved with software prefetches). From 4 rows of x
// on, the arithmetic per weight byte is higher: one partial sum per row of x, and prefetches a
// few weight rows ahead keep the loads in flight.
template <int M>
struct LinearSpan {
  [[gnu::always_inline]] static void run(const float* x, const float* w, const float* b, float* y,
                                         std::int64_t in, std::int64_t out, std::int64_t from,
                                         std::int64_t to) {
    if constexpr (M <= 3) {
      for (std::int64_t o = from; o < to; ++o)
        linear_row<M, M == 1 ? 4 : 2>(x, w, b, y, in, out, o);
    } else {
      for (std::int64_t o = from; o < to; ++o) {
        const char* ahead = reinterpret_cast<const char*>(w + (o + kPrefetchRows) * in);
        if (o + kPrefetchRows < to)
          for (std::int64_t byte = 0; byte < in * 4; byte += 64)
            __builtin_prefetch(ahead + byte);
        linear_row<M, 1>(x, w, b, y, in, out, o);
      }
    }
  }
};

// y[r, o] = x[r] . w[o] (+ b[o]) for outputs o in [from, to) and rows r < rows, taken 8 at a
// time. The weight is read from memory once per 8 rows: at a few rows the layer costs what
// streaming its weight costs, where sgemm would first copy (pack) all of it.
MLXOCR_KERNEL void linear_rows(const float* x, const float* w, const float* b, float* y,
                               std::int64_t rows, std::int64_t in, std::int64_t out,
                               std::int64_t from, std::int64_t to) {
  for (std::int64_t r = 0; r < rows; r += kLinearRowsMax)
    with_row_count<LinearSpan>(std::min<std::int64_t>(kLinearRowsMax, rows - r), x + r * in, w, b,
                               y + r * out, in, out, from, to);
}

// Which code of an 8-bit piece lane l of dequantize8<8> holds.
constexpr int kByteOfLane[kLanes] = {0, 4, 1, 5, 2, 6, 3, 7};

// x [rows, in] with each 8-float piece in kByteOfLane order (in % 8 == 0).
std::vector<float> permute_for_8_bits(const float* x, std::int64_t rows, std::int64_t in) {
  std::vector<float> permuted(static_cast<size_t>(rows * in));
  for (std::int64_t piece = 0; piece < rows * in; piece += kLanes)
    for (int lane = 0; lane < kLanes; ++lane)
      permuted[piece + lane] = x[piece + kByteOfLane[lane]];
  return permuted;
}

// The 8 weights of `codes` (MLX's affine quantization: w = scale * code + bias, codes packed
// into uint32 words from the lowest bits up) starting at element `i` of a row, i % 8 == 0.
template <int Bits>
[[gnu::always_inline]] inline f8 dequantize8(const std::uint32_t* codes, std::int64_t i, f8 scale,
                                             f8 bias) {
  using u8 = std::uint32_t __attribute__((vector_size(32)));
  u8 code;
  if constexpr (Bits == 8) {
    // Two words (8 codes) broadcast as one 64-bit value: lane l holds word l % 2 and takes its
    // byte l / 2, i.e. code kByteOfLane[l]; x is permuted to match (permute_for_8_bits).
    // (Building the vector lane by lane goes through memory and stalls store forwarding.)
    using u64x4 = std::uint64_t __attribute__((vector_size(32)));
    std::uint64_t pair;
    __builtin_memcpy(&pair, codes + i / 4, sizeof pair);
    const u8 words = __builtin_bit_cast(u8, u64x4{} + pair);
    code = (words >> u8{0, 0, 8, 8, 16, 16, 24, 24}) & 255u;
  } else {  // Bits == 4: eight codes per word
    const u8 word = u8{} + codes[i / 8];
    code = (word >> u8{0, 4, 8, 12, 16, 20, 24, 28}) & 15u;
  }
  // Codes are below 2^8: the signed conversion is exact and is one instruction (vcvtdq2ps).
  return __builtin_convertvector(__builtin_convertvector(code, vmath::i8), f8) * scale + bias;
}

// y[r, o] = x[r] . w[o] (+ b[o]) for the M rows of x and outputs o in [from, to), w quantized:
// each 8-weight piece is dequantized once and used for every row of x. Needs in % group == 0
// and group % 8 == 0.
template <int Bits, int M>
struct QuantizedSpan {
  [[gnu::always_inline]] static void run(const float* x, const std::uint32_t* codes,
                                         const float* scales, const float* biases, const float* b,
                                         float* y, std::int64_t in, std::int64_t out,
                                         std::int64_t group, std::int64_t from, std::int64_t to) {
    const std::int64_t groups = in / group, words = in * Bits / 32;
    for (std::int64_t o = from; o < to; ++o) {
      f8 acc[M];
      for (int r = 0; r < M; ++r)
        acc[r] = vmath::splat(0.0f);
      for (std::int64_t g = 0; g < groups; ++g) {
        const f8 scale = vmath::splat(scales[o * groups + g]);
        const f8 bias = vmath::splat(biases[o * groups + g]);
        for (std::int64_t i = g * group; i < (g + 1) * group; i += kLanes) {
          const f8 weights = dequantize8<Bits>(codes + o * words, i, scale, bias);
          for (int r = 0; r < M; ++r)
            acc[r] += weights * vmath::load(x + r * in + i);
        }
      }
      for (int r = 0; r < M; ++r)
        y[r * out + o] = vmath::sum(acc[r]) + (b ? b[o] : 0.0f);
    }
  }
};
template <int M>
using Quantized8Span = QuantizedSpan<8, M>;
template <int M>
using Quantized4Span = QuantizedSpan<4, M>;

MLXOCR_KERNEL void quantized_linear_rows(const float* x, const std::uint32_t* codes,
                                         const float* scales, const float* biases, const float* b,
                                         float* y, int bits, std::int64_t rows, std::int64_t in,
                                         std::int64_t out, std::int64_t group, std::int64_t from,
                                         std::int64_t to) {
  for (std::int64_t r = 0; r < rows; r += kLinearRowsMax) {
    const std::int64_t count = std::min<std::int64_t>(kLinearRowsMax, rows - r);
    if (bits == 8) {
      with_row_count<Quantized8Span>(count, x + r * in, codes, scales, biases, b, y + r * out, in,
                                     out, group, from, to);
    } else {
      with_row_count<Quantized4Span>(count, x + r * in, codes, scales, biases, b, y + r * out, in,
                                     out, group, from, to);
    }
  }
}

void linear_rows_shared(const RowWeights& w, const float* x, const float* b, float* y,
                        std::int64_t rows, std::int64_t in, std::int64_t out, std::int64_t from,
                        std::int64_t to) {
  if (w.codes && w.bits == 8 && int8_rows_supported(w.group)) {
    int8_linear_rows_shared(w, x, b, y, rows, in, out, from, to);
    return;
  }
  std::vector<float> permuted;
  if (w.codes && w.bits == 8) {
    permuted = permute_for_8_bits(x, rows, in);
    x = permuted.data();
  }
  for_rows(
      to - from, in,
      [&](std::int64_t begin, std::int64_t end) {
        if (w.codes) {
          quantized_linear_rows(x, w.codes, w.scales, w.biases, b, y, w.bits, rows, in, out,
                                w.group, from + begin, from + end);
        } else {
          linear_rows(x, w.weights, b, y, rows, in, out, from + begin, from + end);
        }
      },
      kMinWeightFloatsPerThread);
}

}  // namespace kernel

namespace {

using kernel::dispatch;
using kernel::KernelPrimitive;

class LinearRows : public KernelPrimitive {
 public:
  using KernelPrimitive::KernelPrimitive;
  const char* name() const override { return "MlxocrLinearRows"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {kernel::with_last_axis(inputs[0], inputs[1].shape(0))};  // [..., out]
  }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& result) override {
    result.set_data(mx::allocator::malloc(result.nbytes()));
    dispatch(stream(), inputs, result, [](std::vector<mx::array>& in, mx::array& y) {
      const std::int64_t features = in[1].shape(1), outputs = in[1].shape(0);
      const std::int64_t rows = static_cast<std::int64_t>(in[0].size()) / features;
      const float* b = in.size() > 2 ? in[2].data<float>() : nullptr;
      kernel::linear_rows_shared({in[1].data<float>()}, in[0].data<float>(), b, y.data<float>(),
                                 rows, features, outputs, 0, outputs);
    });
  }

  // The gradients through MLX's own ops: training runs at many rows, where BLAS is the right tool.
  std::vector<mx::array> vjp(const std::vector<mx::array>& primals,
                             const std::vector<mx::array>& cotangents,
                             const std::vector<int>& argnums,
                             const std::vector<mx::array>&) override {
    const mx::array& x = primals[0];
    const mx::array& w = primals[1];
    const mx::array& g = cotangents[0];
    const int features = w.shape(1), outputs = w.shape(0);
    std::vector<mx::array> grads;
    for (int arg : argnums) {
      if (arg == 0) {
        grads.push_back(mx::matmul(g, w));
      } else if (arg == 1) {
        grads.push_back(mx::matmul(mx::transpose(mx::reshape(g, {-1, outputs})),
                                   mx::reshape(x, {-1, features})));
      } else {
        grads.push_back(mx::sum(mx::reshape(g, {-1, outputs}), 0));
      }
    }
    return grads;
  }
};

class QuantizedLinearRows : public KernelPrimitive {
 public:
  QuantizedLinearRows(mx::Stream stream, int group_size, int bits)
      : KernelPrimitive(stream), group_size_(group_size), bits_(bits) {}
  const char* name() const override { return "MlxocrQuantizedLinearRows"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const QuantizedLinearRows&>(other);
    return group_size_ == o.group_size_ && bits_ == o.bits_;
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {kernel::with_last_axis(inputs[0], inputs[1].shape(0))};  // [..., out]
  }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& result) override {
    result.set_data(mx::allocator::malloc(result.nbytes()));
    dispatch(stream(), inputs, result,
             [group = group_size_, bits = bits_](std::vector<mx::array>& in, mx::array& y) {
               const std::int64_t features = in[0].shape(-1), outputs = in[1].shape(0);
               const std::int64_t rows = static_cast<std::int64_t>(in[0].size()) / features;
               const float* b = in.size() > 4 ? in[4].data<float>() : nullptr;
               kernel::RowWeights w;
               w.codes = in[1].data<std::uint32_t>();
               w.scales = in[2].data<float>();
               w.biases = in[3].data<float>();
               w.bits = bits;
               w.group = group;
               kernel::linear_rows_shared(w, in[0].data<float>(), b, y.data<float>(), rows,
                                          features, outputs, 0, outputs);
             });
  }

  // The gradient with respect to x (quantized_linear_vjp).
  std::vector<mx::array> vjp(const std::vector<mx::array>& primals,
                             const std::vector<mx::array>& cotangents,
                             const std::vector<int>& argnums,
                             const std::vector<mx::array>&) override {
    return kernel::quantized_linear_vjp(primals, cotangents, argnums, group_size_, bits_);
  }

 private:
  int group_size_;
  int bits_;
};

}  // namespace

mx::array linear_rows_cpu(const mx::array& x, const mx::array& weight,
                          const std::optional<mx::array>& bias) {
  if (weight.ndim() != 2 || x.ndim() < 1 || x.shape(-1) != weight.shape(1) ||
      (bias && (bias->ndim() != 1 || bias->shape(0) != weight.shape(0))))
    throw UsageError("linear_rows_cpu: x [..., in], weight [out, in] and bias [out] do not fit");
  std::vector<mx::array> inputs = {x, weight};
  if (bias) inputs.push_back(*bias);
  return kernel::make(std::make_shared<LinearRows>(kernel::cpu_stream()), std::move(inputs));
}

bool quantized_linear_rows_supports(int group_size, int bits) {
  return (bits == 4 || bits == 8) && group_size > 0 && group_size % vmath::kLanes == 0;
}

mx::array quantized_linear_rows_cpu(const mx::array& x, const mx::array& packed,
                                    const mx::array& scales, const mx::array& biases,
                                    int group_size, int bits,
                                    const std::optional<mx::array>& bias) {
  if (!quantized_linear_rows_supports(group_size, bits))
    throw UsageError("quantized_linear_rows_cpu takes 4 or 8 bits in groups of a multiple of 8");
  const int outputs = packed.ndim() == 2 ? packed.shape(0) : -1;
  const int features = x.ndim() >= 1 ? x.shape(-1) : -1;
  if (packed.dtype() != mx::uint32 || outputs < 0 || features % group_size != 0 ||
      packed.shape(1) * 32 != features * bits ||
      scales.shape() != mx::Shape{outputs, features / group_size} ||
      biases.shape() != scales.shape() ||
      (bias && (bias->ndim() != 1 || bias->shape(0) != outputs)))
    throw UsageError("quantized_linear_rows_cpu: x, codes, scales, biases and bias do not fit");
  std::vector<mx::array> inputs = {x, packed, scales, biases};
  if (bias) inputs.push_back(*bias);
  return kernel::make(std::make_shared<QuantizedLinearRows>(kernel::cpu_stream(), group_size, bits),
                      std::move(inputs));
}

}  // namespace mlxocr
