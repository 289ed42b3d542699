// Fused, vectorised and threaded CPU kernels for the hot spots of TrOCR that MLX's CPU backend
// leaves slow: the attention softmax and the exact GELU, forward and gradient (cpu_kernels.cpp),
// layer norm, forward and gradient (cpu_layer_norm.cpp), and the parts of a decoding step: a
// linear layer on a few rows, float32 or quantized, and the vocabulary's log-sum-exp
// (cpu_decoding_kernels.cpp), the attention of one new token (cpu_decode_attention.cpp), beam
// search's top-k (cpu_top_k.cpp); 8-bit layers as int8 products on CPUs with AVX-512 VNNI
// (cpu_int8_linear.cpp); as MLX primitives, so autodiff and the trainer go through them like
// through any MLX op.
//
// Why: MLX's x86 CPU backend runs exp and erf one lane at a time on one thread, and builds
// GELU from five separate passes; in a training step those were about a third of the time
// and in batched inference the encoder's softmaxes alone cost ~0.6 s per trocr-small image
// (bench/TRAINING.md, bench/OPTIMISATION.md). In a decoding step each weight matrix meets one
// row per sequence, and OpenBLAS's sgemm repacks the whole weight for that one row: a third of
// the step's time. On GPUs MLX's own kernels are used.
#pragma once

#include <mlx/array.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "kernels/cpu/int8_path.h"

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

// x W^T + b for x [N, in] as one sgemm, float32, CPU; its weight gradient is computed in the
// weight's own [out, in] layout (through MLX's ops it is a transposed view that later passes copy).
mx::array linear_cpu(const mx::array& x, const mx::array& weight,
                     const std::optional<mx::array>& bias);

// x W^T + b for x [..., in] with at most kLinearRowsMax rows in all, weight [out, in], bias
// [out]; float32, CPU. Reads each weight row once for all rows (the weight-streaming bound).
constexpr int kLinearRowsMax = 8;
mx::array linear_rows_cpu(const mx::array& x, const mx::array& weight,
                          const std::optional<mx::array>& bias);

// The same with the weight quantized as mx::quantize stores it (codes [out, in * bits / 32]
// uint32, scales and biases [out, in / group_size] float32): each weight is dequantized once and
// used for every row, so the layer streams bits/32 of the float32 bytes. MLX's own CPU
// quantized matmul is scalar code, slower than float32 on a good BLAS.
bool quantized_linear_rows_supports(int group_size, int bits);  // 4 or 8 bits, groups % 8 == 0
mx::array quantized_linear_rows_cpu(const mx::array& x, const mx::array& packed,
                                    const mx::array& scales, const mx::array& biases,
                                    int group_size, int bits, const std::optional<mx::array>& bias);

// x W^T + b for x [N, in] and an 8-bit weight as mx::quantize stores it, as integer products:
// the activations are quantized per row and weight group to int8 (cpu_int8_linear.cpp says how)
// and multiplied with the codes by the path int8_path.h chose (AVX-512 VNNI, AVX-VNNI, AVX2 or
// portable C++; all give the same bits). int8_linear_supports says whether this CPU and shape can
// (a path other than off, groups of a multiple of 16, out a multiple of 16); elsewhere linear()
// dequantizes the weight for sgemm instead. The overload with a path (tests, benchmarks) runs
// that one; one this CPU lacks is refused.
bool int8_linear_supports(int features, int outputs, int group_size, int bits);
mx::array int8_linear_cpu(const mx::array& x, const mx::array& packed, const mx::array& scales,
                          const mx::array& biases, int group_size,
                          const std::optional<mx::array>& bias);
mx::array int8_linear_cpu(const mx::array& x, const mx::array& packed, const mx::array& scales,
                          const mx::array& biases, int group_size,
                          const std::optional<mx::array>& bias, kernel::Int8Path path);

// softmax(scale * q k^T) v for one query per head, q [B, heads, 1, dim], k and v [B, heads, S,
// dim]: a decoding step's attention in one pass per head, where MLX would run two small sgemm
// calls per head (each packing the keys or values) and a softmax. float32, CPU, dim a multiple of
// 8 up to 128 (attend_one_query_supports).
bool attend_one_query_supports(const mx::array& q, const mx::array& k);
mx::array attend_one_query_cpu(const mx::array& q, const mx::array& k, const mx::array& v,
                               float scale);

// nn.LayerNorm over the last axis, (x - mean) / sqrt(var + eps) * weight + bias with the biased
// variance, as torch computes it; x [..., C], weight and bias [C]; float32, CPU. MLX's CPU
// backend has no layer-norm kernel: mx::fast::layer_norm becomes about eight single-threaded
// passes over x, its gradient about fifteen plus strided sums for the weight and bias.
mx::array layer_norm_cpu(const mx::array& x, const mx::array& weight, const mx::array& bias,
                         float eps);

// Where one of q, k, v sits in attention_heads_cpu's sources: source `source` [B, rows, width],
// head h in the head_dim columns from offset + h * head_dim.
struct HeadColumns {
  int source = 0;
  int offset = 0;
};

// Multi-head attention of the queries of q over the keys and values of k and v, every head read
// in place from the projections (e.g. one fused qkv source [B, L, 3 * width]) and the result
// written with the heads merged, [B, L, heads * head_dim]: split_heads, attention and
// merge_heads without their copies. `causal` as scaled_softmax_cpu. Up to three float32
// sources; gradients flow to each. CPU.
mx::array attention_heads_cpu(const std::vector<mx::array>& sources, HeadColumns q, HeadColumns k,
                              HeadColumns v, int heads, int head_dim, float scale, bool causal);

// The indices of the k largest entries of each row of x [rows, n], best first (ties: the lower
// index first; NaN never picked): int32 [rows, k]. float32, CPU. Beam search's
// pick of 2 x beams candidates among beams x vocabulary scores, where MLX's argpartition
// partially sorts the whole row on one thread.
mx::array top_indices_cpu(const mx::array& x, int k);

// log(sum(exp(x))) over the last axis, kept as an axis of 1 (mx::logsumexp(x, -1, true));
// float32, CPU.
mx::array logsumexp_cpu(const mx::array& x);

// Rows of x [N, w] picked by `index` (each in [0, N), repeats allowed): [index.size(), w];
// float32, CPU. The gradient adds each row back at its index.
mx::array take_rows_cpu(const mx::array& x, std::shared_ptr<const std::vector<std::int32_t>> index);

// How many threads one kernel call may use: set_cpu_kernel_threads, else MLXOCR_THREADS, else
// the hardware's (at most 8).
int cpu_kernel_threads();
// Overrides the above (n > 0), e.g. to match `mlxocr bench --threads`.
void set_cpu_kernel_threads(int n);

}  // namespace mlxocr
