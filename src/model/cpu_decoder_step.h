// One decoding step of a TrOCR decoder layer (one new token per sequence) as fused CPU kernels:
// self-attention with its cache, cross-attention over the image, feed-forward and the three
// post-LN layer norms, in float32 (weights float32 or 8/4-bit quantized).
//
// Why: with the layers' arithmetic already on our kernels (src/kernels/cpu/), a decoding step of
// trocr-small still cost ~3x what streaming its weights costs: MLX builds, schedules and
// allocates ~40 small operations per layer and token (the splits, views, cache updates,
// residual additions, each kernel a separate primitive), and on one-row inputs that overhead
// is larger than the arithmetic. Here a layer is three primitives (two append to the caches in
// place, one runs the rest on scratch buffers of its own; bench/OPTIMISATION.md, section 8).
#pragma once

#include <mlx/array.h>

#include "model/config.h"
#include "model/decoder_trocr.h"

namespace mlxocr {

// Whether decoder_layer_step_cpu can run `layer` on the hidden states `h` [B, 1, d_model]: the
// CPU kernels apply (float32 on the CPU), B <= kLinearRowsMax, the activation is "gelu" or
// "relu", every linear layer has a float32 bias and a float32 or supported quantized weight, no
// training dropout is active, and the fusion is not switched off (set_fused_decoding_step,
// MLXOCR_FUSED_STEP=0).
bool decoder_layer_step_supports(const TrOCRDecoderLayer& layer, const DecoderConfig& config,
                                 const mx::array& h);

struct DecoderLayerStep {
  mx::array hidden;                  // [B, 1, d_model], the layer's output
  mx::array self_keys, self_values;  // the caches with the new token's row at `position`
};

// The layer applied to `h` [B, 1, d_model] at cache row `position`: keys and values of the new
// token are written into self_keys/self_values [B, heads, capacity, head_dim] (in place when MLX
// lets the buffers be donated, else into copies), attention reads rows 0..position of them and
// all of cross_keys/cross_values [B, heads, source_len, head_dim]. Inference only: there is no
// gradient.
DecoderLayerStep decoder_layer_step_cpu(const TrOCRDecoderLayer& layer, const DecoderConfig& config,
                                        const mx::array& h, const mx::array& self_keys,
                                        const mx::array& self_values, const mx::array& cross_keys,
                                        const mx::array& cross_values, int position);

// Turns the fused step on or off in this process (it starts on unless MLXOCR_FUSED_STEP=0):
// for comparisons with the layer-by-layer path.
void set_fused_decoding_step(bool enabled);

}  // namespace mlxocr
