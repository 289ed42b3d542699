// Fused, vectorised and threaded CPU kernels for the element-wise hot spots of TrOCR: the
// attention softmax and the exact GELU, forward and gradient, as MLX primitives (so autodiff
// and the trainer go through them like through any MLX op).
//
// Why: MLX's x86 CPU backend runs exp and erf one lane at a time on one thread, and builds
// GELU from five separate passes; in a training step those were about a third of the time
// and in batched inference the encoder's softmaxes alone cost ~0.6 s per trocr-small image
// (bench/TRAINING.md, bench/OPTIMISATION.md). On GPUs MLX's own fused kernels are used.
#pragma once

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// True when `x` would be computed by the kernels below: a float32 array on the CPU (the default
// device), unless MLXOCR_CPU_KERNELS=0 asks for MLX's own ops (for comparisons).
bool cpu_kernels_apply(const mx::array& x);
// The same question for arrays of `dtype` on the default device.
bool cpu_kernels_apply(mx::Dtype dtype);

// x * Phi(x), transformers' "gelu" (erf form); float32, CPU. Relative error ~1e-7.
mx::array gelu_erf_cpu(const mx::array& x);

// softmax(scale * scores) over the last axis; scores [..., L, S]. With `causal`, key j is hidden
// from query i when j > i + S - L (the last query sees every key: a block of L new tokens after
// S - L cached ones, as MLX's "causal" mask). Hidden keys get probability 0.
mx::array scaled_softmax_cpu(const mx::array& scores, float scale, bool causal);

// How many threads one kernel call may use: set_cpu_kernel_threads, else MLXOCR_THREADS, else
// the hardware's (at most 8).
int cpu_kernel_threads();
// Overrides the above (n > 0), e.g. to match `mlxocr bench --threads`.
void set_cpu_kernel_threads(int n);

}  // namespace mlxocr
