// The attention of one new token per sequence, a decoding step's, in one pass per head
// (decode_attention.cpp).
#pragma once

#include <mlx/array.h>

namespace mlxocr {

namespace mx = mlx::core;

// softmax(scale * q k^T) v for one query per head, q [B, heads, 1, dim], k and v [B, heads, S,
// dim]: a decoding step's attention in one pass per head, where MLX would run two small sgemm
// calls per head (each packing the keys or values) and a softmax. float32, CPU, dim a multiple of
// 8 up to 128 (attend_one_query_supports).
bool attend_one_query_supports(const mx::array& q, const mx::array& k);
mx::array attend_one_query_cpu(const mx::array& q, const mx::array& k, const mx::array& v,
                               float scale);

}  // namespace mlxocr
