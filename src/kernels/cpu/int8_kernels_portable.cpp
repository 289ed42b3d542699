// The int8 linear kernel's portable path (int8_kernels.h): the integer sums and their scaling in
// plain C++, for any CPU, and as the other paths' reference in the tests.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/cpu/int8_kernels.h"

namespace mlxocr::kernel::int8 {

namespace {

inline int code(std::uint32_t word, int byte) {
  return static_cast<int>((word >> (8 * byte)) & 0xffu);
}

}  // namespace

void block_rows_portable(const TileRows& x, std::int64_t rows, const PackedBlock& w,
                         std::int64_t group, const float* bias, float* y, std::int64_t y_stride) {
  const std::int64_t width = w.width, quads_per_group = group / 4;
  std::vector<std::int32_t> dot(static_cast<size_t>(width));
  std::vector<float> acc(static_cast<size_t>(width));
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int8_t* q = x.codes + r * x.features;
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (std::int64_t g = 0; g < x.groups; ++g) {
      std::fill(dot.begin(), dot.end(), 0);
      for (std::int64_t quad = g * quads_per_group; quad < (g + 1) * quads_per_group; ++quad) {
        const std::uint32_t* c = w.codes.data() + quad * width;
        const int q0 = q[4 * quad], q1 = q[4 * quad + 1], q2 = q[4 * quad + 2],
                  q3 = q[4 * quad + 3];
        for (std::int64_t o = 0; o < width; ++o)
          dot[o] +=
              code(c[o], 0) * q0 + code(c[o], 1) * q1 + code(c[o], 2) * q2 + code(c[o], 3) * q3;
      }
      const float sx = x.scales[r * x.groups + g], sum = x.sums[r * x.groups + g];
      const float* s = w.scales.data() + g * width;
      const float* b = w.biases.data() + g * width;
      for (std::int64_t o = 0; o < width; ++o) {
        const float scaled = static_cast<float>(dot[o]) * sx;
        acc[o] = std::fma(sum, b[o], std::fma(scaled, s[o], acc[o]));
      }
    }
    for (std::int64_t o = 0; o < width; ++o)
      y[r * y_stride + o] = bias ? acc[o] + bias[o] : acc[o];
  }
}

void few_rows_portable(std::int64_t rows, const TileRows& x, const FewRowsWeights& w, float* y,
                       std::int64_t from, std::int64_t to) {
  const std::int64_t in = x.features, groups = x.groups;
  for (std::int64_t o = from; o < to; ++o) {
    const std::uint8_t* row = w.codes + o * in;
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int8_t* q = x.codes + r * in;
      float lanes[kLanes] = {};
      float exact = w.bias ? w.bias[o] : 0.0f;  // the bias and the weight biases' share
      for (std::int64_t g = 0; g < groups; ++g) {
        std::int32_t dot[kLanes] = {};
        for (std::int64_t k = g * w.group; k < (g + 1) * w.group; k += 4 * kLanes)
          for (int j = 0; j < kLanes; ++j)
            for (int i = 0; i < 4; ++i)
              dot[j] += static_cast<int>(row[k + 4 * j + i]) * q[k + 4 * j + i];
        const float scale = w.scales[o * groups + g] * x.scales[r * groups + g];
        for (int j = 0; j < kLanes; ++j)
          lanes[j] = std::fma(static_cast<float>(dot[j]), scale, lanes[j]);
        exact = std::fma(w.biases[o * groups + g], x.sums[r * groups + g], exact);
      }
      y[r * w.outputs + o] = reduce16(lanes) + exact;
    }
  }
}

}  // namespace mlxocr::kernel::int8
