// What every CPU kernel of mlxocr shares (src/kernels/cpu/*.cpp, and the fused decoder step of
// src/model/cpu_decoder_step.cpp): the way a kernel becomes an MLX primitive (inputs made
// row-major, output buffers, dispatch on the stream's CPU worker) and the way its rows are shared
// out between threads.
#pragma once

#include <mlx/allocator.h>
#include <mlx/array.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/cpu/threads.h"
#include "mlxocr/error.h"

// On x86-64 Linux each kernel is compiled twice, for AVX2+FMA and for the baseline, and the
// loader picks the one the CPU supports (GCC function multi-versioning).
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define MLXOCR_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MLXOCR_KERNEL
#endif

namespace mlxocr {
namespace mx = mlx::core;
}  // namespace mlxocr

namespace mlxocr::kernel {

// Below this many floats of work per thread, handing work to a helper costs more than it saves.
constexpr std::int64_t kMinFloatsPerThread = 1 << 15;

// Calls fn(begin, end) on disjoint ranges covering [0, rows), on up to cpu_kernel_threads()
// threads (the calling one and kept helpers, threads.h), each with at least `min_floats`
// floats of work (row_floats per row); the calling thread takes the first range.
template <class Fn>
void for_rows(std::int64_t rows, std::int64_t row_floats, Fn fn,
              std::int64_t min_floats = kMinFloatsPerThread) {
  const std::int64_t by_work = std::max<std::int64_t>(1, rows * row_floats / min_floats);
  const auto count = static_cast<int>(
      std::min<std::int64_t>({cpu_kernel_threads(), by_work, std::max<std::int64_t>(rows, 1)}));
  if (count <= 1) {
    fn(std::int64_t{0}, rows);
    return;
  }
  run_parts(count, [&](int part) { fn(rows * part / count, rows * (part + 1) / count); });
}

// Calls fn(from, to) on consecutive spans covering [0, n) of an element-wise kernel, the spans
// shared out between threads.
template <class Fn>
void for_spans(std::int64_t n, Fn fn) {
  constexpr std::int64_t kSpan = 4096;
  for_rows((n + kSpan - 1) / kSpan, kSpan, [&](std::int64_t begin, std::int64_t end) {
    fn(begin * kSpan, std::min(end * kSpan, n));
  });
}

// The output buffer: the input's when MLX says nobody else holds it (inference), else new.
inline void allocate_like(const mx::array& input, mx::array& out) {
  if (input.is_donatable() && input.itemsize() == out.itemsize()) {
    out.copy_shared_buffer(input);
  } else {
    out.set_data(mx::allocator::malloc(out.nbytes()));
  }
}

// New buffers for all outputs (no donation: for kernels that read an input after writing an
// output, or whose outputs differ from their inputs in size).
inline void allocate_new(std::vector<mx::array>& outputs) {
  for (mx::array& out : outputs)
    out.set_data(mx::allocator::malloc(out.nbytes()));
}

// Runs `work(inputs, outputs)` on the stream's CPU worker after the inputs are computed, as
// MLX's own CPU kernels do; the weak copies keep no extra references that would block buffer
// donation.
template <class Work>
void dispatch_outputs(const mx::Stream& stream, const std::vector<mx::array>& inputs,
                      std::vector<mx::array>& outputs, Work work) {
  auto& encoder = mx::cpu::get_command_encoder(stream);
  std::vector<mx::array> weak_inputs, weak_outputs;
  for (const mx::array& input : inputs) {
    encoder.set_input_array(input);
    weak_inputs.push_back(mx::array::unsafe_weak_copy(input));
  }
  for (mx::array& output : outputs) {
    encoder.set_output_array(output);
    weak_outputs.push_back(mx::array::unsafe_weak_copy(output));
  }
  encoder.dispatch([inputs = std::move(weak_inputs), outputs = std::move(weak_outputs),
                    work = std::move(work)]() mutable { work(inputs, outputs); });
}

// The same for a primitive with one output: work(inputs, out).
template <class Work>
void dispatch(const mx::Stream& stream, const std::vector<mx::array>& inputs, mx::array& out,
              Work work) {
  std::vector<mx::array> outputs{out};
  dispatch_outputs(
      stream, inputs, outputs,
      [work = std::move(work)](std::vector<mx::array>& in, std::vector<mx::array>& out) mutable {
        work(in, out[0]);
      });
}

// The vjp of a linear layer whose weight is quantized (inputs x, codes, scales, biases[, bias]):
// the gradient with respect to x only, through the dequantized weight. Quantized weights are not
// trained, and any rounding of x on the way (int8 products) is passed straight through.
inline std::vector<mx::array> quantized_linear_vjp(const std::vector<mx::array>& primals,
                                                   const std::vector<mx::array>& cotangents,
                                                   const std::vector<int>& argnums, int group,
                                                   int bits) {
  if (argnums.size() != 1 || argnums[0] != 0)
    throw UsageError("quantized weights have no gradient: they are not trained");
  return {
      mx::matmul(cotangents[0], mx::dequantize(primals[1], primals[2], primals[3], group, bits))};
}

// A CPU-only primitive whose output has the shape of its first input unless it says otherwise.
class KernelPrimitive : public mx::UnaryPrimitive {
 public:
  using mx::UnaryPrimitive::UnaryPrimitive;
  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw UsageError("internal error: a CPU kernel of mlxocr was scheduled on a GPU stream");
  }
  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {inputs[0].shape()};
  }
};

// A CPU-only primitive with several outputs, all float32.
class MultiKernelPrimitive : public mx::Primitive {
 public:
  using mx::Primitive::Primitive;
  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw UsageError("internal error: a CPU kernel of mlxocr was scheduled on a GPU stream");
  }
};

// `inputs` as the kernels read them: float32 (or uint32 quantized codes) and row-major. An
// array already computed in that layout (a weight, a cache) is passed as it is: a contiguous()
// node would cost nothing to run but one more operation to schedule per input and step.
inline std::vector<mx::array> kernel_inputs(std::vector<mx::array> inputs) {
  for (mx::array& input : inputs) {
    if (input.dtype() != mx::float32 && input.dtype() != mx::uint32)
      throw UsageError("internal error: mlxocr's CPU kernels take float32 arrays only");
    if (!input.is_available() || !input.flags().row_contiguous) input = mx::contiguous(input);
  }
  return inputs;
}

// The array `primitive` computes from `inputs`, of the shape its output_shapes gives.
inline mx::array make(std::shared_ptr<mx::Primitive> primitive, std::vector<mx::array> inputs) {
  inputs = kernel_inputs(std::move(inputs));
  mx::Shape shape = primitive->output_shapes(inputs).front();
  return mx::array(std::move(shape), mx::float32, std::move(primitive), std::move(inputs));
}

// The float32 arrays a MultiKernelPrimitive computes from `inputs`, of the shapes its
// output_shapes gives.
inline std::vector<mx::array> make_outputs(std::shared_ptr<mx::Primitive> primitive,
                                           std::vector<mx::array> inputs) {
  inputs = kernel_inputs(std::move(inputs));
  std::vector<mx::Shape> shapes = primitive->output_shapes(inputs);
  const std::vector<mx::Dtype> dtypes(shapes.size(), mx::float32);
  return mx::array::make_arrays(std::move(shapes), dtypes, primitive, inputs);
}

// `x`'s shape with its last axis `size` long: what a kernel that reduces or projects the last
// axis returns.
inline mx::Shape with_last_axis(const mx::array& x, int size) {
  mx::Shape shape = x.shape();
  shape.back() = size;
  return shape;
}

inline mx::Stream cpu_stream() {
  return mx::default_stream(mx::Device::cpu);
}

}  // namespace mlxocr::kernel
