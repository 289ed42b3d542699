// Multi-head attention over a block of queries, every head read in place from the projections
// (attention.cpp).
#pragma once

#include <mlx/array.h>

#include <vector>

namespace mlxocr {

namespace mx = mlx::core;

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

}  // namespace mlxocr
