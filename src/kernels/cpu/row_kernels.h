// The arithmetic of the CPU kernels on plain rows of floats, shared between the kernels that are
// MLX primitives one by one (softmax_gelu.cpp, layer_norm.cpp, linear_rows.cpp,
// decode_attention.cpp) and those that chain several of them inside one primitive
// (attention.cpp, src/model/cpu_decoder_step.cpp). Internal to the kernels; every pointer is to
// contiguous float32 data.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/cpu/int8_path.h"

namespace mlxocr::kernel {

// Calls Span<M>::run(args...) with M = rows (at most 8): the row count is a template argument,
// so that a kernel's M accumulators live in registers.
template <template <int> class Span, class... Args>
[[gnu::always_inline]] inline void with_row_count(std::int64_t rows, Args... args) {
  switch (rows) {
    case 1:
      return Span<1>::run(args...);
    case 2:
      return Span<2>::run(args...);
    case 3:
      return Span<3>::run(args...);
    case 4:
      return Span<4>::run(args...);
    case 5:
      return Span<5>::run(args...);
    case 6:
      return Span<6>::run(args...);
    case 7:
      return Span<7>::run(args...);
    default:
      return Span<8>::run(args...);
  }
}

// softmax(scale * x) over the first `visible` of `length` entries (scale > 0); the rest get 0.
// y may be x.
void softmax_row(const float* x, float* y, std::int64_t length, std::int64_t visible, float scale);

// dx = scale * y * (g - sum(g * y)) over `length` entries; dx may be g.
void softmax_grad_row(const float* y, const float* g, float* dx, std::int64_t length, float scale);

// y = x * Phi(x) (the exact GELU) over n entries; y may be x.
void gelu_span(const float* x, float* y, std::int64_t n);

// nn.LayerNorm of one row of n entries; y may be x.
void layer_norm_row(const float* x, const float* w, const float* b, float* y, std::int64_t n,
                    float eps);

// y[r, o] = x[r] . w[o] (+ b[o]) for outputs o in [from, to) of `out`, rows r < rows of x
// [rows, in], w [out, in]: each weight row is read once per 8 rows of x.
void linear_rows(const float* x, const float* w, const float* b, float* y, std::int64_t rows,
                 std::int64_t in, std::int64_t out, std::int64_t from, std::int64_t to);

// The same with w in MLX's affine quantization (codes [out, in * bits / 32], scales and biases
// [out, in / group]), 8 or 4 bits, in % group == 0, group % 8 == 0. For 8 bits x must first go
// through permute_for_8_bits.
void quantized_linear_rows(const float* x, const std::uint32_t* codes, const float* scales,
                           const float* biases, const float* b, float* y, int bits,
                           std::int64_t rows, std::int64_t in, std::int64_t out, std::int64_t group,
                           std::int64_t from, std::int64_t to);
std::vector<float> permute_for_8_bits(const float* x, std::int64_t rows, std::int64_t in);

// A linear layer's weight as linear_rows_shared reads it: float32 [out, in] (`weights`), or
// quantized (`codes`, `scales`, `biases`, `bits`, `group` as quantized_linear_rows takes them).
struct RowWeights {
  const float* weights = nullptr;
  const std::uint32_t* codes = nullptr;
  const float* scales = nullptr;
  const float* biases = nullptr;
  int bits = 0;
  std::int64_t group = 0;
};

// Outputs [from, to) of y = x W^T (+ b) for x [rows, in], y [rows, out], the outputs shared out
// between threads when the weight is big enough (kMinWeightFloatsPerThread): the whole of the
// few-row linear kernels, float32 or quantized (8-bit x is permuted here).
void linear_rows_shared(const RowWeights& w, const float* x, const float* b, float* y,
                        std::int64_t rows, std::int64_t in, std::int64_t out, std::int64_t from,
                        std::int64_t to);

// The same for an 8-bit weight as int8 products (int8_linear.cpp): x is quantized per row and
// weight group and multiplied with the codes by the path int8_path.h chose (or `path`, for
// tests; it must be one this CPU has). Whether this CPU and group size can (a path other than
// off, group % 64 == 0): int8_rows_supported; linear_rows_shared then takes this path for 8-bit
// weights.
bool int8_rows_supported(std::int64_t group);
void int8_linear_rows_shared(const RowWeights& w, const float* x, const float* b, float* y,
                             std::int64_t rows, std::int64_t in, std::int64_t out,
                             std::int64_t from, std::int64_t to, Int8Path path = int8_path());

// out = softmax(scale * K q) V for one head: q [dim], K and V [keys, dim]; `scores` holds `keys`
// floats of scratch. dim a multiple of 8 up to kMaxHeadDim (kept in registers).
constexpr int kMaxHeadDim = 128;
void attend_one_query(const float* q, const float* k, const float* v, float* out, std::int64_t keys,
                      std::int64_t dim, float scale, float* scores);

// Below this many weight floats per thread a second thread costs more than it saves (handing a
// part to a kept helper thread costs a few us, streaming 256 KB of weights ~17 us on one core).
constexpr std::int64_t kMinWeightFloatsPerThread = 1 << 16;

}  // namespace mlxocr::kernel
