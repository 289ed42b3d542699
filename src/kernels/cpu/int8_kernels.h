// The pieces of the int8 linear kernel (int8_linear.cpp) that every path shares, and each
// path's two loops: many rows over a packed block of outputs, and a decoding step's few rows
// over the weight as mx::quantize stores it.
//
// What all paths compute, bit for bit:
// - int32 sums of code products: per row, output and weight group, sum_k q[m, k] c[n, k] over
//   the group (exact: |q| <= 127, c <= 255, so a group of up to 66,000 inputs fits int32);
// - many rows: per output, acc = fma(float(dot) * sx, s, acc); acc = fma(xsum, b, acc) group by
//   group, then y = acc + bias;
// - few rows: the sums kept in 16 lanes, lane j holding inputs 4j..4j+3 of each run of 64 (what
//   one vpdpbusd lane holds), per group lane = fma(float(dot_lane), s * sx, lane) and
//   exact = fma(b, xsum, exact) from the bias, then y = reduce16(lanes) + exact.
// The files that hold them are compiled with -ffp-contract=off, so no compiler fuses a multiply
// and an add into an fma in one path and not in another.
#pragma once

#include <cstdint>
#include <vector>

namespace mlxocr::kernel::int8 {

constexpr int kLanes = 16;       // outputs per vector of a packed block (one 512-bit vector)
constexpr int kTileVectors = 3;  // vectors per packed block (48 outputs)
constexpr int kTileRows = 4;     // rows of x per micro-tile
constexpr int kMaxFewRows = 8;   // rows of x per pass of the few-row loop (with_row_count's most)
constexpr int kChunk = 32;       // inputs per chunk of the widened activations (see TileRows)

// Activations of rows [begin, end) quantized per group: codes [rows, features], scales and sums
// [rows, features / group]. Symmetric, round to nearest even: q = rint(x * 127 / max|x|), scale
// max|x| / 127 (0 for a group of zeros, whose codes are 0); sums in 16 strided lanes, then
// reduce16. group % 16 == 0.
void quantize_rows(const float* x, std::int64_t begin, std::int64_t end, std::int64_t features,
                   std::int64_t group, std::int8_t* codes, float* scales, float* sums);

// Rows of codes [rows, features] widened to int16 for vpmaddwd, each row padded to `stride` (a
// multiple of kChunk, zeros beyond features): per chunk of 32 inputs, the 16 even-indexed codes,
// then the 16 odd-indexed ones. A pair of inputs (4j, 4j+2) or (4j+1, 4j+3) is then one int32.
std::int64_t widened_stride(std::int64_t features);
void widen_rows(const std::int8_t* codes, std::int64_t rows, std::int64_t features,
                std::int16_t* out);

// The sum of 16 floats as a tree: v[i] + v[i + 8], then + 4, + 2, + 1 apart.
inline float reduce16(const float* v) {
  float s8[8], s4[4];
  for (int i = 0; i < 8; ++i)
    s8[i] = v[i] + v[i + 8];
  for (int i = 0; i < 4; ++i)
    s4[i] = s8[i] + s8[i + 4];
  return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

// One block of `vectors` x 16 outputs from `first`, rearranged for vpdpbusd: for each run of
// four inputs, the four codes of each output side by side (one uint32 per output), the block's
// outputs one after the other; scales and biases [groups][width]. Every path reads this layout.
struct PackedBlock {
  std::vector<std::uint32_t> codes;
  std::vector<float> scales, biases;
  std::int64_t width = 0;  // outputs
};
void pack_block(const std::uint32_t* codes, const float* scales, const float* biases,
                std::int64_t features, std::int64_t group, std::int64_t first, int vectors,
                PackedBlock& out);

// The activations' side: quantized codes (and, for avx2, the same widened), scales and sums.
struct TileRows {
  const std::int8_t* codes;   // [R, features]
  const std::int16_t* pairs;  // [R, pairs_stride] (widen_rows), or null where unused
  const float* scales;        // [R, groups]
  const float* sums;          // [R, groups]
  std::int64_t features, groups, pairs_stride;
  TileRows at(std::int64_t row) const {
    return {codes + row * features,
            pairs ? pairs + row * pairs_stride : nullptr,
            scales + row * groups,
            sums + row * groups,
            features,
            groups,
            pairs_stride};
  }
};

// y[r, o] for `rows` rows and all outputs of a packed block; `bias` (or null) and y point at the
// block's first output, y's rows `y_stride` apart.
void block_rows_avx512(const TileRows& x, std::int64_t rows, const PackedBlock& w,
                       std::int64_t group, const float* bias, float* y, std::int64_t y_stride);
void block_rows_avxvnni(const TileRows& x, std::int64_t rows, const PackedBlock& w,
                        std::int64_t group, const float* bias, float* y, std::int64_t y_stride);
void block_rows_avx2(const TileRows& x, std::int64_t rows, const PackedBlock& w, std::int64_t group,
                     const float* bias, float* y, std::int64_t y_stride);
void block_rows_portable(const TileRows& x, std::int64_t rows, const PackedBlock& w,
                         std::int64_t group, const float* bias, float* y, std::int64_t y_stride);

// y[r, o] for `rows` <= kMaxFewRows rows and outputs o in [from, to), the codes [out, in] bytes
// as mx::quantize stores them, y's rows `outputs` apart; group % 64 == 0.
struct FewRowsWeights {
  const std::uint8_t* codes;
  const float *scales, *biases, *bias;
  std::int64_t outputs, group;
};
void few_rows_avx512(std::int64_t rows, const TileRows& x, const FewRowsWeights& w, float* y,
                     std::int64_t from, std::int64_t to);
void few_rows_avxvnni(std::int64_t rows, const TileRows& x, const FewRowsWeights& w, float* y,
                      std::int64_t from, std::int64_t to);
void few_rows_avx2(std::int64_t rows, const TileRows& x, const FewRowsWeights& w, float* y,
                   std::int64_t from, std::int64_t to);
void few_rows_portable(std::int64_t rows, const TileRows& x, const FewRowsWeights& w, float* y,
                       std::int64_t from, std::int64_t to);

}  // namespace mlxocr::kernel::int8
