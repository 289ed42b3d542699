// Whether mlxocr's CPU kernels (this folder) compute an array, or MLX's own ops do.
//
// The kernels: fused, vectorised and threaded versions of the hot spots of TrOCR that MLX's CPU
// backend leaves slow: the attention softmax and the exact GELU, forward and gradient
// (softmax_gelu.h), layer norm (layer_norm.h), attention read in place from the projections
// (attention.h), many-row linear layers with PyTorch's gradient layout (linear.h), and the parts
// of a decoding step: a linear layer on a few rows, float32 or quantized (linear_rows.h), 8-bit
// layers as int8 products (int8_linear.h), the attention of one new token (decode_attention.h),
// the vocabulary's log-sum-exp (logsumexp.h), beam search's top-k (top_k.h), row gathers
// (take_rows.h) and AdamW (adamw.h); each an MLX primitive (primitive.h), so that autodiff and
// the trainer go through them like through any MLX op.
//
// Why: MLX's x86 CPU backend runs exp and erf one lane at a time on one thread, and builds
// GELU from five separate passes; in a training step those were about a third of the time
// and in batched inference the encoder's softmaxes alone cost ~0.6 s per trocr-small image
// (bench/TRAINING.md, bench/OPTIMISATION.md). In a decoding step each weight matrix meets one
// row per sequence, and OpenBLAS's sgemm repacks the whole weight for that one row: a third of
// the step's time. On GPUs MLX's own kernels are used.
//
// This folder depends on src/core and MLX only: no model type, no generation or training code.
#pragma once

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// True when `x` would be computed by the kernels of this folder: a float32 array on the CPU (the
// default device), unless MLXOCR_CPU_KERNELS=0 asks for MLX's own ops (for comparisons).
bool cpu_kernels_apply(const mx::array& x);
// The same question for arrays of `dtype` on the default device.
bool cpu_kernels_apply(mx::Dtype dtype);

}  // namespace mlxocr
