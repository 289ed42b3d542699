// Linear layers with 8-bit weights as integer products (int8_path.h says on which CPUs and how
// the path is chosen): on many rows (the encoder of a model converted with --quantize 8
// --quantize-encoder, the image's cross-attention keys and values) and on the few rows of a
// decoding step.
//
// Why: on many rows such a layer used to dequantize its weight to float32 and call sgemm, so an
// 8-bit encoder ran at float32 speed; on few rows each weight was converted to float and
// multiplied in float32. Integer products do more multiply-adds per instruction than float32
// FMAs (vpdpbusd four times, on 512 or 256 bits, vpmaddwd twice) and read a byte per weight.
//
// The weight stays as mx::quantize stores it (uint8 codes c, a scale s and a bias b per group of
// `group` inputs: w = s c + b). The activations are quantized on the fly, per row and weight
// group, to int8 with a scale of their own (symmetric, round to nearest: x ~ sx q). Per output:
//   y[m, n] = bias[n] + sum_g ( sx[m,g] s[n,g] sum_{k in g} q[m,k] c[n,k] + xsum[m,g] b[n,g] )
// with xsum the exact float sum of x over the group, so the weight biases' share is exact and
// only the activations' rounding (at most half a step of max|x| / 127 per group) is new.
// int8_kernels.h says what every path computes, bit for bit.
#include "kernels/cpu/int8_linear.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/array_bytes.h"
#include "kernels/cpu/blas_threads.h"
#include "kernels/cpu/enabled.h"
#include "kernels/cpu/int8_kernels.h"
#include "kernels/cpu/int8_path.h"
#include "kernels/cpu/primitive.h"
#include "kernels/cpu/row_kernels.h"

namespace mlxocr {

namespace kernel {

namespace {

using int8::kLanes;

// The activations of one call, quantized once and shared by all output blocks (and widened for
// the avx2 path's vpmaddwd).
struct QuantizedRows {
  std::unique_ptr<std::int8_t[]> codes;
  std::unique_ptr<std::int16_t[]> pairs;
  std::unique_ptr<float[]> scales, sums;
  int8::TileRows view;
};

QuantizedRows quantize(const float* x, std::int64_t rows, std::int64_t features, std::int64_t group,
                       Int8Path path, bool threaded) {
  const std::int64_t groups = features / group, stride = int8::widened_stride(features);
  QuantizedRows q;
  q.codes.reset(new std::int8_t[rows * features]);
  q.scales.reset(new float[rows * groups]);
  q.sums.reset(new float[rows * groups]);
  const auto part = [&](std::int64_t begin, std::int64_t end) {
    int8::quantize_rows(x, begin, end, features, group, q.codes.get(), q.scales.get(),
                        q.sums.get());
    if (path == Int8Path::kAvx2)
      int8::widen_rows(q.codes.get() + begin * features, end - begin, features,
                       q.pairs.get() + begin * stride);
  };
  if (path == Int8Path::kAvx2) q.pairs.reset(new std::int16_t[rows * stride]);
  if (threaded)
    for_rows(rows, features, part);
  else
    part(0, rows);
  q.view = {q.codes.get(), q.pairs.get(), q.scales.get(), q.sums.get(), features, groups, stride};
  return q;
}

void block_rows(Int8Path path, const int8::TileRows& x, std::int64_t rows,
                const int8::PackedBlock& w, std::int64_t group, const float* bias, float* y,
                std::int64_t y_stride) {
  if (path == Int8Path::kAvx512Vnni)
    int8::block_rows_avx512(x, rows, w, group, bias, y, y_stride);
  else if (path == Int8Path::kAvxVnni)
    int8::block_rows_avxvnni(x, rows, w, group, bias, y, y_stride);
  else if (path == Int8Path::kAvx2)
    int8::block_rows_avx2(x, rows, w, group, bias, y, y_stride);
  else
    int8::block_rows_portable(x, rows, w, group, bias, y, y_stride);
}

struct Int8Problem {
  const float* x;
  const std::uint32_t* codes;
  const float *scales, *biases, *bias;
  float* y;
  std::int64_t rows, features, outputs, group;
};

void int8_linear(const Int8Problem& p, Int8Path path) {
  const QuantizedRows x = quantize(p.x, p.rows, p.features, p.group, path, true);
  // Output blocks of 48 (the last may be 16 or 32) shared between threads; each thread packs
  // its block's weights (features x 48 bytes, in L1/L2) and runs every row over them.
  constexpr std::int64_t kBlock = int8::kTileVectors * kLanes;
  const std::int64_t blocks = (p.outputs + kBlock - 1) / kBlock;
  for_rows(
      blocks, p.rows * p.features * kBlock / 4,
      [&](std::int64_t begin, std::int64_t end) {
        int8::PackedBlock w;
        for (std::int64_t block = begin; block < end; ++block) {
          const std::int64_t first = block * kBlock;
          const int vectors = static_cast<int>(std::min(kBlock, p.outputs - first) / kLanes);
          int8::pack_block(p.codes, p.scales, p.biases, p.features, p.group, first, vectors, w);
          block_rows(path, x.view, p.rows, w, p.group, p.bias ? p.bias + first : nullptr,
                     p.y + first, p.outputs);
        }
      },
      1);
}

// Inputs x [N, in], codes [out, in / 4] (uint32), scales and biases [out, in / group], maybe
// bias [out]; output [N, out]. The path is fixed when the graph is built.
class Int8Linear : public KernelPrimitive {
 public:
  Int8Linear(mx::Stream stream, int group_size, Int8Path path)
      : KernelPrimitive(stream), group_(group_size), path_(path) {}
  const char* name() const override { return "MlxocrInt8Linear"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const Int8Linear&>(other);
    return group_ == o.group_ && path_ == o.path_;
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {{inputs[0].shape(0), inputs[1].shape(0)}};
  }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& result) override {
    result.set_data(mx::allocator::malloc(result.nbytes()));
    dispatch(stream(), inputs, result,
             [group = group_, path = path_](std::vector<mx::array>& in, mx::array& y) {
               // Our threads do this layer's work; OpenBLAS's spinning workers would take their
               // cores.
               leave_blas_single_threaded();
               int8_linear({in[0].data<float>(), in[1].data<std::uint32_t>(), in[2].data<float>(),
                            in[3].data<float>(), in.size() > 4 ? in[4].data<float>() : nullptr,
                            y.data<float>(), in[0].shape(0), in[0].shape(1), in[1].shape(0), group},
                           path);
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
  Int8Path path_;
};

}  // namespace

bool int8_rows_supported(std::int64_t group) {
  return int8_path() != Int8Path::kOff && group > 0 && group % 64 == 0;
}

void int8_linear_rows_shared(const RowWeights& w, const float* x, const float* b, float* y,
                             std::int64_t rows, std::int64_t in, std::int64_t out,
                             std::int64_t from, std::int64_t to, Int8Path path) {
  if (path == Int8Path::kOff || !int8_path_available(path) || w.group <= 0 || w.group % 64 != 0)
    throw UsageError("internal error: int8_linear_rows_shared: path " +
                     std::string(int8_path_name(path)) + ", groups of " + std::to_string(w.group));
  const QuantizedRows q = quantize(x, rows, in, w.group, path, false);
  const int8::FewRowsWeights weights{
      reinterpret_cast<const std::uint8_t*>(w.codes), w.scales, w.biases, b, out, w.group};
  const auto run = path == Int8Path::kAvx512Vnni ? int8::few_rows_avx512
                   : path == Int8Path::kAvxVnni  ? int8::few_rows_avxvnni
                   : path == Int8Path::kAvx2     ? int8::few_rows_avx2
                                                 : int8::few_rows_portable;
  for_rows(
      to - from, in,
      [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = 0; r < rows; r += int8::kMaxFewRows) {
          const std::int64_t count = std::min<std::int64_t>(int8::kMaxFewRows, rows - r);
          run(count, q.view.at(r), weights, y + r * out, from + begin, from + end);
        }
      },
      // A byte per weight: a second thread from as many bytes as for a float32 layer.
      4 * kMinWeightFloatsPerThread);
}

}  // namespace kernel

bool int8_linear_supports(int features, int outputs, int group_size, int bits) {
  return kernel::int8_path() != kernel::Int8Path::kOff && cpu_kernels_apply(mx::float32) &&
         bits == 8 && group_size > 0 && group_size % 16 == 0 && features % group_size == 0 &&
         outputs % 16 == 0;
}

mx::array int8_linear_cpu(const mx::array& x, const mx::array& packed, const mx::array& scales,
                          const mx::array& biases, int group_size,
                          const std::optional<mx::array>& bias, kernel::Int8Path path) {
  const int features = x.ndim() == 2 ? x.shape(1) : -1;
  const int outputs = packed.ndim() == 2 ? packed.shape(0) : -1;
  if (path == kernel::Int8Path::kOff || !kernel::int8_path_available(path) ||
      !int8_linear_supports(features, outputs, group_size, 8) || packed.dtype() != mx::uint32 ||
      packed.shape(1) * 4 != features ||
      scales.shape() != mx::Shape{outputs, features / group_size} ||
      biases.shape() != scales.shape() ||
      (bias && (bias->ndim() != 1 || bias->shape(0) != outputs)))
    throw UsageError(
        "internal error: int8_linear_cpu (" + std::string(kernel::int8_path_name(path)) +
        " path): x " + shape_string(x.shape()) + ", codes " + shape_string(packed.shape()) +
        ", scales " + shape_string(scales.shape()) + ", biases " + shape_string(biases.shape()) +
        " and bias (groups of " + std::to_string(group_size) + ") do not fit");
  std::vector<mx::array> inputs = {x, packed, scales, biases};
  if (bias) inputs.push_back(*bias);
  return kernel::make(std::make_shared<kernel::Int8Linear>(kernel::cpu_stream(), group_size, path),
                      std::move(inputs));
}

mx::array int8_linear_cpu(const mx::array& x, const mx::array& packed, const mx::array& scales,
                          const mx::array& biases, int group_size,
                          const std::optional<mx::array>& bias) {
  return int8_linear_cpu(x, packed, scales, biases, group_size, bias, kernel::int8_path());
}

}  // namespace mlxocr
