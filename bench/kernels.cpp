// Our CPU kernels (src/kernels/cpu/) beside MLX's own ops, in the same process, on the
// shapes where they matter: softmax and GELU (forward and gradient) of the trocr-small encoder at
// batch 8 and of the default model's training step at batch 16; the linear layers and the
// vocabulary's log-sum-exp of a trocr-small decoding step; the 8-bit linear layers of its encoder
// (sgemm on the dequantized weight against the int8 kernel). Best of 5 runs; a markdown table.
//
//   cmake --build build --target kernel_bench
//   LD_PRELOAD=/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0 build/kernel_bench
//
// MLX's ops are what the model ran before (and runs with MLXOCR_CPU_KERNELS=0): softmax of the
// scaled scores (precise), x * (1 + erf(x / sqrt 2)) / 2 with its autodiff gradient, matmul with
// the transposed weight plus bias (cblas_sgemm: preload OpenBLAS as above, the wheel's reference
// BLAS is 40x slower), mx::quantized_matmul, and mx::logsumexp.
#include <mlx/mlx.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kernels/cpu/blas_threads.h"
#include "kernels/cpu/int8_linear.h"
#include "kernels/cpu/int8_path.h"
#include "kernels/cpu/linear_rows.h"
#include "kernels/cpu/logsumexp.h"
#include "kernels/cpu/softmax_gelu.h"
#include "kernels/cpu/threads.h"

namespace mx = mlx::core;
using mlxocr::gelu_erf_cpu;
using mlxocr::linear_rows_cpu;
using mlxocr::logsumexp_cpu;
using mlxocr::scaled_softmax_cpu;

namespace {

double best_ms(const std::function<mx::array()>& f) {
  double best = 1e30;
  for (int run = 0; run < 5; ++run) {
    const auto start = std::chrono::steady_clock::now();
    mx::array y = f();
    mx::eval(y);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

mx::array mlx_gelu(const mx::array& x) {
  return x * (1.0f + mx::erf(x * static_cast<float>(M_SQRT1_2))) * 0.5f;
}

// The gradient of f at x for the cotangent g.
mx::array grad_of(const std::function<mx::array(const mx::array&)>& f, const mx::array& x,
                  const mx::array& g) {
  return mx::vjp([&](const std::vector<mx::array>& in) { return std::vector<mx::array>{f(in[0])}; },
                 {x}, {g})
      .second[0];
}

void row(const std::string& what, const std::function<mx::array()>& theirs,
         const std::function<mx::array()>& ours) {
  const double a = best_ms(theirs);
  // After a product OpenBLAS's workers spin for ~0.1 s on the cores our helpers want
  // (src/kernels/cpu/blas_threads.h): let them go to sleep first, as they do between a model's
  // layers.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  mlxocr::set_cpu_kernel_threads(1);
  const double b1 = best_ms(ours);
  mlxocr::set_cpu_kernel_threads(0);
  const double b = best_ms(ours);
  std::printf("| %s | %.1f | %.1f (%.1fx) | %.1f (%.1fx) |\n", what.c_str(), a, b1, a / b1, b,
              a / b);
}

void shapes(const std::string& name, const mx::Shape& scores_shape, const mx::Shape& hidden_shape,
            float scale) {
  const mx::array s = mx::random::normal(scores_shape, mx::float32, 0.0f, 3.0f, mx::random::key(1));
  const mx::array gs = mx::random::normal(scores_shape, mx::float32, mx::random::key(2));
  const mx::array x = mx::random::normal(hidden_shape, mx::float32, mx::random::key(3));
  const mx::array gx = mx::random::normal(hidden_shape, mx::float32, mx::random::key(4));
  mx::eval({s, gs, x, gx});
  auto mlx_softmax = [scale](const mx::array& v) { return mx::softmax(v * scale, -1, true); };
  auto our_softmax = [scale](const mx::array& v) { return scaled_softmax_cpu(v, scale, false); };
  row(
      name + ": softmax", [&] { return mlx_softmax(s); }, [&] { return our_softmax(s); });
  row(
      name + ": softmax gradient", [&] { return grad_of(mlx_softmax, s, gs); },
      [&] { return grad_of(our_softmax, s, gs); });
  row(
      name + ": GELU", [&] { return mlx_gelu(x); }, [&] { return gelu_erf_cpu(x); });
  row(
      name + ": GELU gradient", [&] { return grad_of(mlx_gelu, x, gx); },
      [&] { return grad_of(gelu_erf_cpu, x, gx); });
}

// A decoding step of trocr-small: `rows` sequences (batch 1 greedy, beam 4, batch 8), one token
// each, through the fc1 layer and the output projection, then the vocabulary's log-sum-exp.
void decoding_step(int rows) {
  const std::string name = "trocr-small decoding step, " + std::to_string(rows) + " row(s): ";
  const mx::array h = mx::random::normal({rows, 1, 256}, mx::float32, mx::random::key(5));
  const mx::array fc1 = mx::random::normal({1024, 256}, mx::float32, mx::random::key(6));
  const mx::array vocab = mx::random::normal({64044, 256}, mx::float32, mx::random::key(7));
  const mx::array bias = mx::random::normal({64044}, mx::float32, mx::random::key(8));
  const mx::array logits = mx::random::normal({rows, 64044}, mx::float32, mx::random::key(9));
  mx::eval({h, fc1, vocab, bias, logits});
  row(
      name + "fc1 [1024,256]", [&] { return mx::matmul(h, mx::transpose(fc1)); },
      [&] { return linear_rows_cpu(h, fc1, std::nullopt); });
  row(
      name + "output projection [64044,256]",
      [&] { return mx::addmm(bias, h, mx::transpose(vocab)); },
      [&] { return linear_rows_cpu(h, vocab, bias); });
  const std::vector<mx::array> q8 = mx::quantize(vocab, 64, 8);
  mx::eval(q8);
  row(
      name + "output projection, 8-bit",
      [&] { return mx::quantized_matmul(h, q8[0], q8[1], q8[2], true, 64, 8) + bias; },
      [&] { return mlxocr::quantized_linear_rows_cpu(h, q8[0], q8[1], q8[2], 64, 8, bias); });
  row(
      name + "log-sum-exp over 64044", [&] { return mx::logsumexp(logits, -1, true); },
      [&] { return logsumexp_cpu(logits); });
}

// The linear layers of a trocr-small encoder image (577 rows) with 8-bit weights: sgemm on the
// dequantized weight (what an 8-bit encoder ran before) against the int8 kernel (AVX-512 VNNI;
// skipped where the CPU has none).
void encoder_int8(int rows) {
  const std::string name = "trocr-small encoder, " + std::to_string(rows) + " rows, 8-bit ";
  const mx::array x384 = mx::random::normal({rows, 384}, mx::float32, mx::random::key(10));
  const mx::array x1536 = mx::random::normal({rows, 1536}, mx::float32, mx::random::key(11));
  mx::eval({x384, x1536});
  struct Layer {
    const char* what;
    int out, in;
  };
  for (const Layer& layer : {Layer{"qkv [1152,384]", 1152, 384}, Layer{"fc1 [1536,384]", 1536, 384},
                             Layer{"fc2 [384,1536]", 384, 1536}}) {
    if (!mlxocr::int8_linear_supports(layer.in, layer.out, 64, 8)) return;
    const mx::array w = mx::random::normal({layer.out, layer.in}, mx::float32, mx::random::key(12));
    const std::vector<mx::array> q = mx::quantize(w, 64, 8);
    const mx::array dequantized = mx::dequantize(q[0], q[1], q[2], 64, 8);
    mx::eval(q);
    mx::eval(dequantized);
    const mx::array& x = layer.in == 384 ? x384 : x1536;
    // sgemm on OpenBLAS's threads, as a float32 encoder runs it; the int8 kernel leaves OpenBLAS
    // single-threaded once it has run (blas_threads.h).
    mlxocr::kernel::set_openblas_threads(mlxocr::cpu_kernel_threads());
    row(
        name + layer.what, [&] { return mx::matmul(x, mx::transpose(dequantized)); },
        [&] { return mlxocr::int8_linear_cpu(x, q[0], q[1], q[2], 64, std::nullopt); });
  }
}

// The same layers on every int8 path this CPU has (src/kernels/cpu/int8_path.h), against sgemm on
// the dequantized weight, all threads: what each path gains over float32 on this CPU. Run with
// OPENBLAS_CORETYPE=Haswell to compare the avx2 path with the sgemm of an AVX2-only CPU.
void int8_paths(int rows) {
  const std::vector<mlxocr::kernel::Int8Path> paths = mlxocr::kernel::int8_paths_available();
  std::printf("\n| ms (best of 5), %d rows | sgemm, dequantized |", rows);
  for (mlxocr::kernel::Int8Path path : paths)
    std::printf(" %s |", mlxocr::kernel::int8_path_name(path));
  std::printf("\n|---|---:|");
  for (size_t i = 0; i < paths.size(); ++i)
    std::printf("---:|");
  std::printf("\n");
  struct Layer {
    const char* what;
    int out, in;
  };
  for (const Layer& layer : {Layer{"trocr-small qkv [1152,384]", 1152, 384},
                             Layer{"trocr-small fc2 [384,1536]", 384, 1536},
                             Layer{"trocr-base qkv [2304,768]", 2304, 768},
                             Layer{"trocr-base fc1 [3072,768]", 3072, 768}}) {
    const mx::array x = mx::random::normal({rows, layer.in}, mx::float32, mx::random::key(13));
    const mx::array w = mx::random::normal({layer.out, layer.in}, mx::float32, mx::random::key(14));
    const std::vector<mx::array> q = mx::quantize(w, 64, 8);
    const mx::array dequantized = mx::dequantize(q[0], q[1], q[2], 64, 8);
    mx::eval(q);
    mx::eval({x, dequantized});
    mlxocr::kernel::set_openblas_threads(mlxocr::cpu_kernel_threads());
    std::printf("| %s | %.2f |", layer.what,
                best_ms([&] { return mx::matmul(x, mx::transpose(dequantized)); }));
    for (mlxocr::kernel::Int8Path path : paths)
      std::printf(" %.2f |", best_ms([&] {
                    return mlxocr::int8_linear_cpu(x, q[0], q[1], q[2], 64, std::nullopt, path);
                  }));
    std::printf("\n");
  }
}

}  // namespace

int main() {
  std::printf("| ms (best of 5) | MLX's ops | ours, 1 thread | ours, %d threads |\n",
              mlxocr::cpu_kernel_threads());
  std::printf("|---|---:|---:|---:|\n");
  shapes("trocr-small encoder, batch 8 ([8,6,577,577], [8,577,1536])", {8, 6, 577, 577},
         {8, 577, 1536}, 0.125f);
  shapes("default model training, batch 16 ([16,3,65,65], [16,65,768])", {16, 3, 65, 65},
         {16, 65, 768}, 0.125f);
  for (int rows : {1, 4, 8})
    decoding_step(rows);
  encoder_int8(577);
  encoder_int8(2 * 577);
  int8_paths(577);
}
