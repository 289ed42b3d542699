// Our CPU softmax and GELU kernels (src/model/cpu_kernels.h) beside MLX's own ops, in the same
// process, on the shapes where they matter: the trocr-small encoder at batch 8 and the default
// model's training step at batch 16. Forward and gradient; best of 5 runs; a markdown table.
//
//   cmake --build build --target kernel_bench && build/kernel_bench
//
// MLX's ops are what the model ran before (and runs with MLXOCR_CPU_KERNELS=0): softmax of the
// scaled scores (precise), and x * (1 + erf(x / sqrt 2)) / 2 with its autodiff gradient.
#include <mlx/mlx.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

#include "model/cpu_kernels.h"

namespace mx = mlx::core;
using mlxocr::gelu_erf_cpu;
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

}  // namespace

int main() {
  std::printf("| ms (best of 5) | MLX's ops | ours, 1 thread | ours, %d threads |\n",
              mlxocr::cpu_kernel_threads());
  std::printf("|---|---:|---:|---:|\n");
  shapes("trocr-small encoder, batch 8 ([8,6,577,577], [8,577,1536])", {8, 6, 577, 577},
         {8, 577, 1536}, 0.125f);
  shapes("default model training, batch 16 ([16,3,65,65], [16,65,768])", {16, 3, 65, 65},
         {16, 65, 768}, 0.125f);
}
