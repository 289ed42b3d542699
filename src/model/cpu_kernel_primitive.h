// What every CPU kernel of mlxocr shares (cpu_kernels.cpp, cpu_decoding_kernels.cpp): the way a
// kernel becomes an MLX primitive (inputs made row-major, output buffer, dispatch on the stream's
// CPU worker) and the way its rows are shared out between threads. Internal to src/model.
#pragma once

#include <mlx/allocator.h>
#include <mlx/array.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "mlxocr/error.h"
#include "model/cpu_kernels.h"

// On x86-64 Linux each kernel is compiled twice, for AVX2+FMA and for the baseline, and the
// loader picks the one the CPU supports (GCC function multi-versioning).
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define MLXOCR_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MLXOCR_KERNEL
#endif

namespace mlxocr::kernel {

// Below this many floats of work per thread, starting a thread costs more than it saves.
constexpr std::int64_t kMinFloatsPerThread = 1 << 15;

// Calls fn(begin, end) on disjoint ranges covering [0, rows), on up to cpu_kernel_threads()
// threads, each with at least `min_floats` floats of work (row_floats per row); the calling
// thread takes the first range.
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
  std::vector<std::thread> helpers;
  helpers.reserve(count - 1);
  for (int t = 1; t < count; ++t)
    helpers.emplace_back(fn, rows * t / count, rows * (t + 1) / count);
  fn(std::int64_t{0}, rows / count);
  for (std::thread& helper : helpers)
    helper.join();
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

// Runs `work` on the stream's CPU worker after the inputs are computed, as MLX's own CPU kernels
// do; the weak copies keep no extra references that would block buffer donation.
template <class Work>
void dispatch(const mx::Stream& stream, const std::vector<mx::array>& inputs, mx::array& out,
              Work work) {
  auto& encoder = mx::cpu::get_command_encoder(stream);
  for (const mx::array& input : inputs)
    encoder.set_input_array(input);
  encoder.set_output_array(out);
  std::vector<mx::array> weak_inputs;
  for (const mx::array& input : inputs)
    weak_inputs.push_back(mx::array::unsafe_weak_copy(input));
  encoder.dispatch([inputs = std::move(weak_inputs), out = mx::array::unsafe_weak_copy(out),
                    work = std::move(work)]() mutable { work(inputs, out); });
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

// The array `primitive` computes from `inputs` (float32, or uint32 quantized codes; made
// row-major: free when they are), of the shape the primitive's output_shapes gives.
inline mx::array make(std::shared_ptr<mx::Primitive> primitive, std::vector<mx::array> inputs) {
  for (mx::array& input : inputs) {
    if (input.dtype() != mx::float32 && input.dtype() != mx::uint32)
      throw UsageError("internal error: mlxocr's CPU kernels take float32 arrays only");
    input = mx::contiguous(input);
  }
  mx::Shape shape = primitive->output_shapes(inputs).front();
  return mx::array(std::move(shape), mx::float32, std::move(primitive), std::move(inputs));
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
