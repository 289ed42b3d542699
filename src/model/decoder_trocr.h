// The TrOCR text decoder (transformers' TrOCRDecoder + TrOCRForCausalLM's output_projection),
// names as in modeling_trocr.py. Post-LN layers: self-attention, cross-attention, feed-forward.
#pragma once

#include <optional>
#include <vector>

#include "model/config.h"
#include "model/layers.h"
#include "model/row_packing.h"
#include "model/weights.h"

namespace mlxocr {

// TrOCRAttention as self-attention: q_proj, k_proj and v_proj read the same input and are fused
// along the outputs into qkv_proj [3 * d_model, d_model], one matmul per step.
struct TrOCRSelfAttention {
  Linear qkv_proj, out_proj;
};

// TrOCRAttention as cross-attention: keys and values read the encoder states once per image,
// fused into kv_proj [2 * d_model, cross_width]; queries read the decoder states.
struct TrOCRCrossAttention {
  Linear q_proj, kv_proj, out_proj;
};

struct TrOCRDecoderLayer {
  TrOCRSelfAttention self_attn;
  LayerNorm self_attn_layer_norm;
  TrOCRCrossAttention encoder_attn;
  LayerNorm encoder_attn_layer_norm;
  Linear fc1, fc2;
  LayerNorm final_layer_norm;
};

// Keys and values the decoder has seen so far. Cross-attention keys/values depend only on the
// image, so they are computed once; self-attention ones grow by one row per generated token,
// written into buffers allocated once for `capacity` tokens.
struct DecoderCache {
  std::vector<mx::array> self_keys, self_values;    // per layer [B, heads, capacity, head_dim]
  std::vector<mx::array> cross_keys, cross_values;  // per layer [B, heads, source_len, head_dim]
  std::vector<mx::array> cross_kv;  // per layer [B, source_len, 2 * d_model]: what they came from
                                    // (empty in a start_cache(..., steps_only) cache)
  int length = 0;                   // tokens already in the cache
  int capacity = 0;
};

struct TrOCRDecoder {
  DecoderConfig config;
  mx::Dtype dtype = mx::float32;  // of the activations and the cache
  Linear embed_tokens;            // the [vocab, d_model] table as a weight (maybe quantized)
  float embed_scale = 1.0f;       // sqrt(d_model) when scale_embedding
  // Learned: [max_position_embeddings + 2, d_model], looked up at position + 2. Sinusoidal:
  // the fairseq table (sin half, then cos half; row padding_idx zero), not a parameter.
  mx::array embed_positions = mx::array(0.0f);
  std::optional<LayerNorm> layernorm_embedding;
  std::vector<TrOCRDecoderLayer> layers;
  Linear output_projection;  // [vocab, d_model] without bias; a copy of embed_tokens when tied

  // Cache for a batch whose (projected) encoder states are [B, source_len, cross_width]. With
  // `steps_only` the cache serves one token at a time only (generation): the image's keys and
  // values are computed now, layer by layer, and kept per head only; the fused projection they
  // come from, which blocks of several tokens read, is not kept (it would double their memory:
  // 450 MB for trocr-base at batch 8).
  DecoderCache start_cache(const mx::array& encoder_states, int capacity,
                           bool steps_only = false) const;

  // Runs `input_ids` [B, T] after the cache's tokens, appends their keys/values, returns logits
  // [B, T, vocab]. T > 1 attends causally within the new tokens.
  mx::array forward(const mx::array& input_ids, DecoderCache& cache) const;

  // Teacher forcing: logits [B, T, vocab] for the whole `input_ids` at once.
  mx::array forward(const mx::array& input_ids, const mx::array& encoder_states) const;

  // Teacher forcing on the positions `packing` keeps (row_packing.h): logits [R, vocab], the
  // rows of the call above at those positions.
  mx::array forward(const mx::array& input_ids, const mx::array& encoder_states,
                    const RowPacking& packing) const;

 private:
  // Token and position embeddings, layernorm_embedding and dropout: [B, T, d_model].
  mx::array embed(const mx::array& input_ids, int past_length) const;
  mx::array position_embeddings(const mx::array& input_ids, int past_length) const;
};

// fairseq's sinusoidal table as transformers builds it, in float32.
mx::array sinusoidal_position_table(int num_positions, int dim, int padding_idx);

// Every parameter of the decoder, named as in a converted folder (see ParameterVisitor). The
// output projection is visited only when it is not tied to the embeddings (and re-tied after).
void visit_parameters(TrOCRDecoder& decoder, ParameterVisitor& visitor);

// Takes the decoder's tensors (prefix "decoder.") out of `weights`; `cross_width` is the width
// of the encoder states the cross-attention reads.
TrOCRDecoder bind_trocr_decoder(const DecoderConfig& config, int cross_width, WeightBinder& weights,
                                mx::Dtype dtype);

}  // namespace mlxocr
