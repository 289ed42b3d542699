// The int8 linear kernel (kernels/cpu/int8_linear.cpp), on every path this CPU can run
// (int8_path.h: avx512vnni, avxvnni, avx2, portable; the portable path runs everywhere). First the
// integer sums alone: with unit scales, zero biases and integer activations whose groups reach 127,
// every float operation after the sums is exact, so each path's outputs must equal the integer
// products computed here, including codes of 255 against activations of +-127 (where vpmaddubsw's
// int16 pair sums would saturate). Then against the formula in double precision: the activations
// quantized per row and weight group exactly as the kernel says it does, the weight as MLX's
// quantize stored it; every tail of its 4-row and 48-output tiles, every group size MLX offers, a
// row of zeros; and against the float layer it stands in for (the dequantized weight) within the
// bound that the activations' rounding allows. Every path gives the same bits as the portable
// one. The few-row form of a decoding step the same way.
#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/cpu/int8_linear.h"
#include "kernels/cpu/int8_path.h"
#include "kernels/cpu/linear_rows.h"
#include "kernels/cpu/row_kernels.h"
#include "mlxocr/error.h"
#include "model/array_values.h"
#include "model/layers.h"

namespace mlxocr {
namespace {

using kernel::Int8Path;
using testing::values;

std::string name(Int8Path path) {
  return kernel::int8_path_name(path);
}

struct Case {
  int rows, features, outputs, group;
};

// The kernel's formula, in double: y[m, n] = bias[n] + sum_g (sx s sum q c + xsum b). `bound`
// gets, per output, how far the activations' rounding may move it from the float layer:
// sum_k sx[m, g(k)] / 2 * |s[n, g(k)] c[n, k]|, and `size` the size of its terms.
struct Reference {
  std::vector<double> y, bound, size;
};

Reference reference(const std::vector<float>& x, const std::vector<mx::array>& q,
                    const std::vector<float>& bias, const Case& c) {
  const int groups = c.features / c.group;
  const mx::array packed = mx::contiguous(q[0]);
  mx::eval(packed);
  std::vector<std::uint8_t> codes(static_cast<size_t>(c.outputs) * c.features);
  std::memcpy(codes.data(), packed.data<std::uint32_t>(), codes.size());
  const std::vector<float> s = values(q[1]), b = values(q[2]);
  Reference out;
  out.y.assign(static_cast<size_t>(c.rows) * c.outputs, 0.0);
  out.bound = out.size = out.y;
  for (int m = 0; m < c.rows; ++m) {
    std::vector<int> xq(c.features);
    std::vector<double> sx(groups), xsum(groups);
    for (int g = 0; g < groups; ++g) {
      const float* xg = &x[static_cast<size_t>(m) * c.features + g * c.group];
      float amax = 0.0f;
      for (int k = 0; k < c.group; ++k)
        amax = std::max(amax, std::abs(xg[k]));
      const float inverse = amax > 0.0f ? 127.0f / amax : 0.0f;
      sx[g] = amax / 127.0f;
      for (int k = 0; k < c.group; ++k) {
        xq[g * c.group + k] = static_cast<int>(std::nearbyint(xg[k] * inverse));
        xsum[g] += xg[k];
      }
    }
    for (int n = 0; n < c.outputs; ++n) {
      double y = bias[n], bound = 0.0, size = std::abs(bias[n]);
      for (int g = 0; g < groups; ++g) {
        const double sg = s[n * groups + g], bg = b[n * groups + g];
        long dot = 0;
        double weights = 0.0;
        for (int k = g * c.group; k < (g + 1) * c.group; ++k) {
          const int code = codes[static_cast<size_t>(n) * c.features + k];
          dot += static_cast<long>(xq[k]) * code;
          weights += std::abs(sg * code);
          size += std::abs(x[static_cast<size_t>(m) * c.features + k] * (sg * code + bg));
        }
        y += sx[g] * sg * static_cast<double>(dot) + xsum[g] * bg;
        bound += sx[g] / 2.0 * weights;
      }
      out.y[m * c.outputs + n] = y;
      out.bound[m * c.outputs + n] = bound;
      out.size[m * c.outputs + n] = size;
    }
  }
  return out;
}

// Integer codes and activations whose products the kernel must reproduce exactly: unit scales,
// zero biases, every activation group reaching 127 (so its scale is 1 and its codes are x).
struct ExactCase {
  Case c;
  std::vector<std::uint32_t> packed;  // [out, in / 4], four codes to a word as mx::quantize packs
  std::vector<float> x, bias, ones, zeros;
  std::vector<float> want;  // x c^T + bias, exact in float: |sums| < 2^24
};

ExactCase exact_case(const Case& c, unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> code(0, 255), activation(-127, 127);
  std::vector<std::uint8_t> codes(static_cast<size_t>(c.outputs) * c.features);
  for (std::uint8_t& v : codes)
    v = static_cast<std::uint8_t>(code(random));
  ExactCase e{c, {}, std::vector<float>(static_cast<size_t>(c.rows) * c.features), {}, {}, {}, {}};
  for (size_t k = 0; k < e.x.size(); ++k)
    e.x[k] = static_cast<float>(k % c.group == 5 ? (k % 2 ? 127 : -127) : activation(random));
  // The extremes: output 0 all 255, output 1 all 0; row 0 all +127, row 1 all -127. With
  // vpmaddubsw, 255 * 127 twice (64,770) would saturate its int16 pair sum.
  std::fill(codes.begin(), codes.begin() + c.features, 255);
  if (c.outputs > 1) std::fill(codes.begin() + c.features, codes.begin() + 2 * c.features, 0);
  std::fill(e.x.begin(), e.x.begin() + c.features, 127.0f);
  if (c.rows > 1) std::fill(e.x.begin() + c.features, e.x.begin() + 2 * c.features, -127.0f);
  e.packed.resize(codes.size() / 4);
  std::memcpy(e.packed.data(), codes.data(), codes.size());
  for (int n = 0; n < c.outputs; ++n)
    e.bias.push_back(static_cast<float>(n % 7 - 3));
  e.ones.assign(static_cast<size_t>(c.outputs) * (c.features / c.group), 1.0f);
  e.zeros.assign(e.ones.size(), 0.0f);
  for (int m = 0; m < c.rows; ++m)
    for (int n = 0; n < c.outputs; ++n) {
      long dot = static_cast<long>(e.bias[n]);
      for (int k = 0; k < c.features; ++k)
        dot += static_cast<long>(e.x[static_cast<size_t>(m) * c.features + k]) *
               codes[static_cast<size_t>(n) * c.features + k];
      EXPECT_LT(std::abs(dot), 1L << 24) << "the test's own bound";
      e.want.push_back(static_cast<float>(dot));
    }
  return e;
}

std::string where(const Case& c, Int8Path path, size_t i) {
  return name(path) + " path: rows " + std::to_string(c.rows) + ", in " +
         std::to_string(c.features) + ", out " + std::to_string(c.outputs) + ", group " +
         std::to_string(c.group) + ", element " + std::to_string(i);
}

// The few-row form on raw buffers, as the decoding step calls it.
std::vector<float> few_rows(const std::vector<float>& x, const std::uint32_t* packed,
                            const float* scales, const float* biases, const float* bias,
                            const Case& c, Int8Path path) {
  kernel::RowWeights w;
  w.codes = packed;
  w.scales = scales;
  w.biases = biases;
  w.bits = 8;
  w.group = c.group;
  std::vector<float> y(static_cast<size_t>(c.rows) * c.outputs, -1.0f);
  kernel::int8_linear_rows_shared(w, x.data(), bias, y.data(), c.rows, c.features, c.outputs, 0,
                                  c.outputs, path);
  return y;
}

TEST(CpuInt8Linear, EveryPathThisCpuHasGivesTheExactIntegerSums) {
  ASSERT_EQ(kernel::int8_paths_available().back(), Int8Path::kPortable);
  const std::vector<Case> many = {
      {5, 128, 48, 32}, {4, 256, 64, 64}, {9, 256, 112, 128}, {2, 64, 16, 64}, {1, 96, 32, 32}};
  const std::vector<Case> few = {
      {1, 64, 11, 64}, {3, 256, 30, 128}, {8, 192, 17, 64}, {11, 256, 9, 64}};
  unsigned seed = 7;
  for (Int8Path path : kernel::int8_paths_available()) {
    for (const Case& c : many) {
      const ExactCase e = exact_case(c, seed++);
      const int groups = c.features / c.group;
      const std::vector<float> got =
          values(int8_linear_cpu(mx::array(e.x.data(), {c.rows, c.features}),
                                 mx::array(e.packed.data(), {c.outputs, c.features / 4}),
                                 mx::array(e.ones.data(), {c.outputs, groups}),
                                 mx::array(e.zeros.data(), {c.outputs, groups}), c.group,
                                 mx::array(e.bias.data(), {c.outputs}), path));
      ASSERT_EQ(got.size(), e.want.size());
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(got[i], e.want[i]) << where(c, path, i);
    }
    for (const Case& c : few) {
      const ExactCase e = exact_case(c, seed++);
      const std::vector<float> got =
          few_rows(e.x, e.packed.data(), e.ones.data(), e.zeros.data(), e.bias.data(), c, path);
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(got[i], e.want[i]) << where(c, path, i);
    }
  }
}

TEST(CpuInt8Linear, EveryPathMatchesItsFormulaAndTheFloatLayerAndThePortableBits) {
  const std::vector<Case> cases = {
      {1, 64, 16, 32},    {2, 64, 32, 64},   {3, 128, 48, 64},   {4, 128, 64, 128},
      {5, 256, 80, 64},   {7, 96, 96, 32},   {13, 384, 112, 64}, {37, 384, 144, 64},
      {64, 192, 384, 64}, {9, 1536, 48, 64}, {6, 128, 16, 128},
  };
  int seed = 100;
  for (const Case& c : cases) {
    const mx::array w =
        mx::random::normal({c.outputs, c.features}, mx::float32, mx::random::key(seed++));
    mx::array x = mx::random::normal({c.rows, c.features}, mx::float32, mx::random::key(seed++));
    // One input far larger than its group's others, as in a vision transformer's outlier
    // features, and (from 2 rows) a row of zeros.
    x = mx::multiply(x, mx::where(mx::equal(mx::arange(c.features), mx::array(3)), mx::array(40.0f),
                                  mx::array(1.0f)));
    if (c.rows > 1)
      x = mx::concatenate({mx::zeros({1, c.features}), mx::slice(x, {1, 0}, {c.rows, c.features})},
                          0);
    const mx::array bias = mx::random::normal({c.outputs}, mx::float32, mx::random::key(seed++));
    const std::vector<mx::array> q = mx::quantize(w, c.group, 8);
    const std::vector<float> xv = values(x), bv = values(bias);
    const Reference want = reference(xv, q, bv, c);
    const std::vector<float> layer =
        values(mx::matmul(x, mx::transpose(mx::dequantize(q[0], q[1], q[2], c.group, 8))) + bias);
    const std::vector<float> portable =
        values(int8_linear_cpu(x, q[0], q[1], q[2], c.group, bias, Int8Path::kPortable));
    for (Int8Path path : kernel::int8_paths_available()) {
      const std::vector<float> got =
          values(int8_linear_cpu(x, q[0], q[1], q[2], c.group, bias, path));
      ASSERT_EQ(got.size(), want.y.size());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want.y[i], 2e-6 * want.size[i] + 1e-6) << where(c, path, i);
        ASSERT_LE(std::abs(got[i] - layer[i]), want.bound[i] + 2e-6 * want.size[i] + 1e-6)
            << where(c, path, i);
      }
      // The same floats after the same scaling, whatever the instructions.
      ASSERT_EQ(got, portable) << where(c, path, 0);
      // A row of zeros is exactly the bias (its scale is 0, not a division by 0).
      if (c.rows > 1) {
        for (int n = 0; n < c.outputs; ++n)
          ASSERT_EQ(got[n], bv[n]) << where(c, path, n);
      }
    }
  }
}

TEST(CpuInt8Linear, FewRowsOfADecodingStepMatchTheSameFormulaOnEveryPath) {
  // A decoding step's few rows (quantized_linear_rows_cpu, and every 8-bit layer of the fused
  // step) take the int8 path for groups of 64 and 128: one row up to eight at once, then more.
  const std::vector<Case> cases = {{1, 64, 11, 64},  {2, 128, 40, 64},  {3, 256, 300, 128},
                                   {4, 384, 17, 64}, {5, 128, 33, 128}, {8, 256, 64, 64},
                                   {11, 192, 29, 64}};
  int seed = 300;
  for (const Case& c : cases) {
    const mx::array w =
        mx::random::normal({c.outputs, c.features}, mx::float32, mx::random::key(seed++));
    const mx::array x =
        mx::random::normal({c.rows, 1, c.features}, mx::float32, mx::random::key(seed++));
    const mx::array bias = mx::random::normal({c.outputs}, mx::float32, mx::random::key(seed++));
    const std::vector<mx::array> q = mx::quantize(w, c.group, 8);
    const std::vector<float> xv = values(x), bv = values(bias);
    const Reference want = reference(xv, q, bv, c);
    const mx::array packed = mx::contiguous(q[0]);
    mx::eval(packed);
    const std::vector<float> s = values(q[1]), b = values(q[2]);
    const std::vector<float> portable = few_rows(xv, packed.data<std::uint32_t>(), s.data(),
                                                 b.data(), bv.data(), c, Int8Path::kPortable);
    for (Int8Path path : kernel::int8_paths_available()) {
      const std::vector<float> got =
          few_rows(xv, packed.data<std::uint32_t>(), s.data(), b.data(), bv.data(), c, path);
      ASSERT_EQ(got.size(), want.y.size());
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want.y[i], 2e-6 * want.size[i] + 1e-6) << where(c, path, i);
      ASSERT_EQ(got, portable) << where(c, path, 0);
    }
    // What the decoding step calls, on the path this process chose.
    if (kernel::int8_rows_supported(c.group)) {
      const mx::array y = quantized_linear_rows_cpu(x, q[0], q[1], q[2], c.group, 8, bias);
      EXPECT_EQ(y.shape(), (mx::Shape{c.rows, 1, c.outputs}));
      EXPECT_EQ(values(y), portable) << "rows " << c.rows;
    }
  }
  EXPECT_FALSE(kernel::int8_rows_supported(32));  // the few-row loops take 64 inputs at a time
}

// The AVX-VNNI path (VEX vpdpbusd on 256 bits) on its own, where the CPU has it: listed and
// chosen in its place (after avx512vnni, before avx2), and bit for bit the portable path's
// outputs on many rows (tails of the 4-row and 48-output tiles, odd row counts, one row, the
// widths of trocr-small and trocr-base) and on a decoding step's few rows (1 to 11 rows).
// Whether the kernel reports `flag` among the CPU's flags (/proc/cpuinfo; Linux): an account of
// the CPU independent of the CPUID reading int8_path.cpp does.
bool cpuinfo_has_flag(const std::string& flag) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::string word;
    while (words >> word)
      if (word == flag) return true;
    return false;
  }
  return false;
}

TEST(CpuInt8Linear, TheAvxVnniPathGivesThePortableBitsWhereTheCpuHasIt) {
#if defined(__x86_64__) && defined(__linux__)
  const bool has =
      cpuinfo_has_flag("avx_vnni") && cpuinfo_has_flag("avx2") && cpuinfo_has_flag("fma");
#else
  const bool has = false;
#endif
  ASSERT_EQ(kernel::int8_path_available(Int8Path::kAvxVnni), has);
  if (!has) GTEST_SKIP() << "this CPU has no AVX-VNNI: the avxvnni int8 path is not tested here";
  const std::vector<Int8Path> paths = kernel::int8_paths_available();
  const auto at = std::find(paths.begin(), paths.end(), Int8Path::kAvxVnni);
  ASSERT_NE(at, paths.end());
  EXPECT_EQ(at - paths.begin(), kernel::int8_path_available(Int8Path::kAvx512Vnni) ? 1 : 0);
  EXPECT_EQ(at[1], Int8Path::kAvx2);
  const std::vector<Case> many = {{1, 64, 16, 64},    {3, 128, 32, 32},  {7, 384, 80, 64},
                                  {9, 768, 96, 64},   {33, 256, 48, 64}, {50, 1024, 64, 128},
                                  {66, 384, 400, 64}, {5, 96, 16, 32}};
  int seed = 500;
  for (const Case& c : many) {
    const mx::array w =
        mx::random::normal({c.outputs, c.features}, mx::float32, mx::random::key(seed++));
    const mx::array x =
        mx::random::normal({c.rows, c.features}, mx::float32, mx::random::key(seed++));
    const mx::array bias = mx::random::normal({c.outputs}, mx::float32, mx::random::key(seed++));
    const std::vector<mx::array> q = mx::quantize(w, c.group, 8);
    const std::vector<float> want =
        values(int8_linear_cpu(x, q[0], q[1], q[2], c.group, bias, Int8Path::kPortable));
    EXPECT_EQ(values(int8_linear_cpu(x, q[0], q[1], q[2], c.group, bias, Int8Path::kAvxVnni)), want)
        << where(c, Int8Path::kAvxVnni, 0);
    EXPECT_EQ(
        values(int8_linear_cpu(x, q[0], q[1], q[2], c.group, std::nullopt, Int8Path::kAvxVnni)),
        values(int8_linear_cpu(x, q[0], q[1], q[2], c.group, std::nullopt, Int8Path::kPortable)))
        << where(c, Int8Path::kAvxVnni, 0) << ", no bias";
  }
  const std::vector<Case> few = {{1, 64, 7, 64},    {2, 768, 33, 64},  {4, 384, 17, 128},
                                 {8, 1024, 40, 64}, {11, 256, 21, 64}, {6, 192, 50, 64}};
  for (const Case& c : few) {
    const mx::array w =
        mx::random::normal({c.outputs, c.features}, mx::float32, mx::random::key(seed++));
    const std::vector<float> xv =
        values(mx::random::normal({c.rows, c.features}, mx::float32, mx::random::key(seed++)));
    const std::vector<float> bv =
        values(mx::random::normal({c.outputs}, mx::float32, mx::random::key(seed++)));
    const std::vector<mx::array> q = mx::quantize(w, c.group, 8);
    const mx::array packed = mx::contiguous(q[0]);
    mx::eval(packed);
    const std::vector<float> s = values(q[1]), b = values(q[2]);
    const std::uint32_t* codes = packed.data<std::uint32_t>();
    EXPECT_EQ(few_rows(xv, codes, s.data(), b.data(), bv.data(), c, Int8Path::kAvxVnni),
              few_rows(xv, codes, s.data(), b.data(), bv.data(), c, Int8Path::kPortable))
        << where(c, Int8Path::kAvxVnni, 0) << " (few rows)";
    EXPECT_EQ(few_rows(xv, codes, s.data(), b.data(), nullptr, c, Int8Path::kAvxVnni),
              few_rows(xv, codes, s.data(), b.data(), nullptr, c, Int8Path::kPortable))
        << where(c, Int8Path::kAvxVnni, 0) << " (few rows, no bias)";
  }
}

TEST(CpuInt8Linear, PathsAreNamedAndOneThisCpuLacksIsRefused) {
  for (Int8Path path : {Int8Path::kAvx512Vnni, Int8Path::kAvxVnni, Int8Path::kAvx2,
                        Int8Path::kPortable, Int8Path::kOff}) {
    if (kernel::int8_path_available(path)) {
      EXPECT_EQ(kernel::parse_int8_path(name(path)), path);
      continue;
    }
    try {
      kernel::parse_int8_path(name(path));
      ADD_FAILURE() << name(path) << " accepted on a CPU without it";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("cannot run"), std::string::npos) << e.what();
    }
  }
  try {
    kernel::parse_int8_path("avx9");
    ADD_FAILURE() << "an unknown path accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("MLXOCR_INT8_PATH=avx9: not a path (one of "),
              std::string::npos)
        << e.what();
  }
  const mx::array x = mx::zeros({2, 64}), codes = mx::zeros({16, 16}, mx::uint32),
                  scales = mx::ones({16, 1});
  EXPECT_THROW(int8_linear_cpu(x, codes, scales, scales, 64, std::nullopt, Int8Path::kOff),
               UsageError);
}

TEST(CpuInt8Linear, LinearOfLayersUsesItForManyRowsOfAnEightBitWeight) {
  // With no int8 path (MLXOCR_INT8_PATH=off, or a CPU without AVX2 or VNNI) linear() keeps the
  // float products of the dequantized weight.
  EXPECT_EQ(int8_linear_supports(64, 96, 64, 8), kernel::int8_path() != Int8Path::kOff);
  if (kernel::int8_path() == Int8Path::kOff) return;
  Linear layer;
  layer.weight = mx::random::normal({96, 64}, mx::float32, mx::random::key(200));
  layer.bias = mx::random::normal({96}, mx::float32, mx::random::key(201));
  const Linear quantized = quantize_linear(layer, 64, 8);
  const QuantizedMatrix& q = *quantized.quantized;
  const mx::array x = mx::random::normal({2, 20, 64}, mx::float32, mx::random::key(202));
  const mx::array y = linear(x, quantized);
  EXPECT_EQ(y.shape(), (mx::Shape{2, 20, 96}));
  const std::vector<float> got = values(y);
  const std::vector<float> want = values(
      int8_linear_cpu(mx::reshape(x, {40, 64}), q.packed, q.scales, q.biases, 64, layer.bias));
  EXPECT_EQ(got, want);

  // Its gradient with respect to x goes through the dequantized weight; the weight has none.
  const mx::array dequantized = mx::dequantize(q.packed, q.scales, q.biases, 64, 8);
  const mx::array g = mx::random::normal({2, 20, 96}, mx::float32, mx::random::key(203));
  auto [out, grads] = mx::vjp(
      [&](const std::vector<mx::array>& in) {
        return std::vector<mx::array>{linear(in[0], quantized)};
      },
      {x}, {g});
  const std::vector<float> dx = values(grads[0]), dx_want = values(mx::matmul(g, dequantized));
  ASSERT_EQ(dx.size(), dx_want.size());
  for (size_t i = 0; i < dx.size(); ++i)
    EXPECT_NEAR(dx[i], dx_want[i], 1e-5 * (1.0 + std::abs(dx_want[i]))) << "element " << i;

  // Shapes it does not take are refused plainly, not computed wrong.
  EXPECT_FALSE(int8_linear_supports(64, 20, 64, 8));  // outputs not a multiple of 16
  EXPECT_FALSE(int8_linear_supports(64, 96, 64, 4));  // 4-bit codes
  EXPECT_THROW(
      int8_linear_cpu(mx::reshape(x, {40, 64}), q.packed, q.scales, q.biases, 32, std::nullopt),
      UsageError);
}

}  // namespace
}  // namespace mlxocr
