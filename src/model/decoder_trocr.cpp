#include "model/decoder_trocr.h"

#include <mlx/ops.h>
#include <cmath>

#include "mlxocr/error.h"
#include "model/cpu_decoder_step.h"
#include "model/dropout.h"

namespace mlxocr {

namespace {

mx::array attend(const mx::array& q, const mx::array& k, const mx::array& v, bool causal) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(q.shape(3)));
  // The causal mask aligns the last query with the last key, which is what a query block
  // appended after `past` cached tokens needs.
  return attention(q, k, v, scale, causal);
}

// The end of a post-LN sublayer: layer_norm(h + dropout(branch)).
mx::array add_and_norm(const mx::array& h, const mx::array& branch, const LayerNorm& norm) {
  return layer_norm(h + dropout(branch, DropoutSite::decoder_hidden), norm);
}

// The feed-forward sublayer, fc1 -> activation -> fc2, with its residual and layer norm.
mx::array feed_forward(const TrOCRDecoderLayer& layer, const std::string& activation_function,
                       const mx::array& h) {
  const mx::array inner = dropout(activation(linear(h, layer.fc1), activation_function),
                                  DropoutSite::decoder_activation);
  return add_and_norm(h, linear(inner, layer.fc2), layer.final_layer_norm);
}

}  // namespace

mx::array sinusoidal_position_table(int num_positions, int dim, int padding_idx) {
  // Mirrors TrOCRSinusoidalPositionalEmbedding.get_embedding step by step in float32: the
  // frequencies, the products and the rounding of each are those torch computes.
  const int half = dim / 2;
  const float step = static_cast<float>(std::log(10000.0) / (half - 1));
  std::vector<float> frequency(half);
  for (int i = 0; i < half; ++i)
    frequency[i] = std::exp(static_cast<float>(i) * -step);
  std::vector<float> table(static_cast<size_t>(num_positions) * dim, 0.0f);
  for (int p = 0; p < num_positions; ++p) {
    if (p == padding_idx) continue;
    float* row = &table[static_cast<size_t>(p) * dim];
    for (int i = 0; i < half; ++i) {
      const float angle = static_cast<float>(p) * frequency[i];
      row[i] = static_cast<float>(std::sin(static_cast<double>(angle)));
      row[half + i] = static_cast<float>(std::cos(static_cast<double>(angle)));
    }
  }
  return mx::array(table.data(), {num_positions, dim}, mx::float32);
}

mx::array TrOCRDecoder::position_embeddings(const mx::array& input_ids, int past_length) const {
  const int length = input_ids.shape(1);
  if (config.use_learned_position_embeddings) {
    // TrOCRLearnedPositionalEmbedding: arange(past, past + T) + offset 2, padding ignored.
    if (past_length + length > config.max_position_embeddings) {
      throw UsageError("decoder position " + std::to_string(past_length + length) +
                       " exceeds max_position_embeddings " +
                       std::to_string(config.max_position_embeddings));
    }
    const mx::array positions = mx::arange(past_length + 2, past_length + length + 2, mx::int32);
    return mx::expand_dims(mx::take(embed_positions, positions, 0), 0);
  }
  // Sinusoidal: fairseq's make_positions — pads keep position padding_idx (a zero row), other
  // tokens count up from padding_idx + 1 + past.
  const int pad = config.pad_token_id;
  const mx::array not_pad = mx::astype(mx::not_equal(input_ids, mx::array(pad)), mx::int32);
  const mx::array positions = (mx::cumsum(not_pad, 1) + past_length) * not_pad + pad;
  if (pad + 1 + past_length + length > embed_positions.shape(0)) {
    throw UsageError("decoder position " + std::to_string(past_length + length) +
                     " exceeds the sinusoidal table of " +
                     std::to_string(embed_positions.shape(0)) + " rows");
  }
  return mx::take(embed_positions, positions, 0);
}

mx::array TrOCRDecoder::embed(const mx::array& input_ids, int past_length) const {
  mx::array h = embedding(embed_tokens, input_ids) * embed_scale +
                position_embeddings(input_ids, past_length);
  if (layernorm_embedding) h = layer_norm(h, *layernorm_embedding);
  return dropout(h, DropoutSite::decoder_hidden);
}

DecoderCache TrOCRDecoder::start_cache(const mx::array& encoder_states, int capacity,
                                       bool steps_only) const {
  DecoderCache cache;
  cache.capacity = capacity;
  const int batch = encoder_states.shape(0);
  const int heads = config.decoder_attention_heads;
  const mx::Shape self_shape = {batch, heads, capacity, config.head_dim()};
  for (const TrOCRDecoderLayer& layer : layers) {
    cache.self_keys.push_back(mx::zeros(self_shape, dtype));
    cache.self_values.push_back(mx::zeros(self_shape, dtype));
    const mx::array projected = linear(encoder_states, layer.encoder_attn.kv_proj);
    const std::vector<mx::array> kv = mx::split(projected, 2, -1);
    // Stored row-major once: as the strided views split_heads makes, every decoding step's
    // attention matmuls would copy them again (MLX's CPU matmul takes only plain layouts).
    // A block of several queries (teacher forcing, training) reads cross_kv instead, and MLX
    // never computes these.
    cache.cross_keys.push_back(mx::contiguous(split_heads(kv[0], heads)));
    cache.cross_values.push_back(mx::contiguous(split_heads(kv[1], heads)));
    if (steps_only) {
      // One layer's fused projection alive at a time, never all of them beside their copies.
      mx::eval(cache.cross_keys.back(), cache.cross_values.back());
    } else {
      cache.cross_kv.push_back(projected);
    }
  }
  return cache;
}

mx::array TrOCRDecoder::forward(const mx::array& input_ids, DecoderCache& cache) const {
  const int batch = input_ids.shape(0), length = input_ids.shape(1);
  const int start = cache.length, end = cache.length + length;
  if (end > cache.capacity) {
    throw UsageError("decoder cache holds " + std::to_string(cache.capacity) +
                     " tokens, asked for " + std::to_string(end));
  }
  const int heads = config.decoder_attention_heads;
  mx::array h = embed(input_ids, start);

  const bool whole_sequence = start == 0 && end == cache.capacity;
  const mx::Shape from = {0, 0, start, 0};
  const mx::Shape upto = {batch, heads, end, config.head_dim()};
  for (size_t i = 0; i < layers.size(); ++i) {
    const TrOCRDecoderLayer& layer = layers[i];
    if (length == 1 && !whole_sequence && i < cache.cross_keys.size() &&
        decoder_layer_step_supports(layer, config, h)) {
      // A decoding step on the CPU: the layer runs as our fused kernels (cpu_decoder_step.h).
      DecoderLayerStep step =
          decoder_layer_step_cpu(layer, config, h, cache.self_keys[i], cache.self_values[i],
                                 cache.cross_keys[i], cache.cross_values[i], start);
      h = std::move(step.hidden);
      cache.self_keys[i] = std::move(step.self_keys);
      cache.self_values[i] = std::move(step.self_values);
      continue;
    }
    // Self-attention over everything cached so far plus the new tokens.
    const mx::array fused = linear(h, layer.self_attn.qkv_proj);
    const std::vector<mx::array> qkv = mx::split(fused, 3, -1);
    mx::array attended = mx::array(0.0f);
    if (whole_sequence) {
      // Nothing is cached before or after: attend within the block, and leave the cache views
      // that nobody evaluates (no cache copies, forward or backward).
      cache.self_keys[i] = split_heads(qkv[1], heads);
      cache.self_values[i] = split_heads(qkv[2], heads);
      attended = self_attention_heads(fused, heads, length > 1);
    } else {
      const mx::array q = split_heads(qkv[0], heads);
      cache.self_keys[i] =
          mx::slice_update(cache.self_keys[i], split_heads(qkv[1], heads), from, upto);
      cache.self_values[i] =
          mx::slice_update(cache.self_values[i], split_heads(qkv[2], heads), from, upto);
      const mx::array keys = mx::slice(cache.self_keys[i], {0, 0, 0, 0}, upto);
      const mx::array values = mx::slice(cache.self_values[i], {0, 0, 0, 0}, upto);
      attended = merge_heads(attend(q, keys, values, length > 1));
    }
    h = add_and_norm(h, linear(attended, layer.self_attn.out_proj), layer.self_attn_layer_norm);

    // Cross-attention over the image.
    const mx::array cross_q = linear(h, layer.encoder_attn.q_proj);
    attended = length > 1 && i < cache.cross_kv.size()
                   ? cross_attention_heads(cross_q, cache.cross_kv[i], heads)
                   : merge_heads(attend(split_heads(cross_q, heads), cache.cross_keys[i],
                                        cache.cross_values[i], false));
    h = add_and_norm(h, linear(attended, layer.encoder_attn.out_proj),
                     layer.encoder_attn_layer_norm);

    h = feed_forward(layer, config.activation_function, h);
  }
  cache.length = end;
  return linear(h, output_projection);
}

mx::array TrOCRDecoder::forward(const mx::array& input_ids, const mx::array& encoder_states) const {
  DecoderCache cache = start_cache(encoder_states, input_ids.shape(1));
  return forward(input_ids, cache);
}

mx::array TrOCRDecoder::forward(const mx::array& input_ids, const mx::array& encoder_states,
                                const RowPacking& packing) const {
  const int length = input_ids.shape(1);
  if (input_ids.ndim() != 2 || input_ids.shape(0) != packing.batch() || length != packing.length())
    throw UsageError("internal error: a row packing for another block of decoder inputs");
  const int heads = config.decoder_attention_heads;
  mx::array h = packing.gather(embed(input_ids, 0));
  // Row-wise layers on the R kept rows; the attention products on the [B, T] block.
  for (const TrOCRDecoderLayer& layer : layers) {
    const mx::array fused = packing.spread(linear(h, layer.self_attn.qkv_proj));
    mx::array attended = packing.gather(self_attention_heads(fused, heads, length > 1));
    h = add_and_norm(h, linear(attended, layer.self_attn.out_proj), layer.self_attn_layer_norm);

    const mx::array cross_q = packing.spread(linear(h, layer.encoder_attn.q_proj));
    const mx::array cross_kv = linear(encoder_states, layer.encoder_attn.kv_proj);
    attended = packing.gather(cross_attention_heads(cross_q, cross_kv, heads));
    h = add_and_norm(h, linear(attended, layer.encoder_attn.out_proj),
                     layer.encoder_attn_layer_norm);

    h = feed_forward(layer, config.activation_function, h);
  }
  return linear(h, output_projection);
}

void visit_parameters(TrOCRDecoder& decoder, ParameterVisitor& visitor) {
  const std::string p = "decoder.model.decoder.";
  visitor.linear(p + "embed_tokens", decoder.embed_tokens, LinearKind::decoder);
  if (decoder.config.use_learned_position_embeddings)
    visitor.tensor(p + "embed_positions.weight", decoder.embed_positions);
  if (decoder.layernorm_embedding)
    visitor.layer_norm(p + "layernorm_embedding", *decoder.layernorm_embedding);
  for (size_t i = 0; i < decoder.layers.size(); ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    TrOCRDecoderLayer& layer = decoder.layers[i];
    visitor.linear(l + "self_attn.qkv_proj", layer.self_attn.qkv_proj, LinearKind::decoder);
    visitor.linear(l + "self_attn.out_proj", layer.self_attn.out_proj, LinearKind::decoder);
    visitor.layer_norm(l + "self_attn_layer_norm", layer.self_attn_layer_norm);
    visitor.linear(l + "encoder_attn.q_proj", layer.encoder_attn.q_proj, LinearKind::decoder);
    visitor.linear(l + "encoder_attn.kv_proj", layer.encoder_attn.kv_proj, LinearKind::decoder);
    visitor.linear(l + "encoder_attn.out_proj", layer.encoder_attn.out_proj, LinearKind::decoder);
    visitor.layer_norm(l + "encoder_attn_layer_norm", layer.encoder_attn_layer_norm);
    visitor.linear(l + "fc1", layer.fc1, LinearKind::decoder);
    visitor.linear(l + "fc2", layer.fc2, LinearKind::decoder);
    visitor.layer_norm(l + "final_layer_norm", layer.final_layer_norm);
  }
  if (decoder.config.tie_word_embeddings) {
    decoder.output_projection = decoder.embed_tokens;
  } else {
    visitor.linear("decoder.output_projection", decoder.output_projection, LinearKind::decoder);
  }
}

TrOCRDecoder bind_trocr_decoder(const DecoderConfig& config, int cross_width, WeightBinder& weights,
                                mx::Dtype dtype) {
  TrOCRDecoder decoder;
  decoder.config = config;
  decoder.dtype = dtype;
  const int d = config.d_model;
  const std::string p = "decoder.model.decoder.";
  decoder.embed_tokens = weights.linear(p + "embed_tokens", d, config.vocab_size, false);
  decoder.embed_scale = config.scale_embedding ? std::sqrt(static_cast<float>(d)) : 1.0f;
  if (config.use_learned_position_embeddings) {
    decoder.embed_positions =
        weights.take(p + "embed_positions.weight", {config.max_position_embeddings + 2, d});
  } else {
    // Old fairseq-converted checkpoints may carry this buffer; it holds nothing.
    weights.discard(p + "embed_positions._float_tensor");
    const int rows = config.max_position_embeddings + config.pad_token_id + 1;
    decoder.embed_positions =
        mx::astype(sinusoidal_position_table(rows, d, config.pad_token_id), dtype);
  }
  if (config.layernorm_embedding) {
    decoder.layernorm_embedding =
        weights.layer_norm(p + "layernorm_embedding", d, config.layer_norm_eps);
  }
  for (int i = 0; i < config.decoder_layers; ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    TrOCRDecoderLayer layer;
    const std::string self = l + "self_attn.", cross = l + "encoder_attn.";
    layer.self_attn.qkv_proj = weights.fused_linear(
        self + "qkv_proj", {self + "q_proj", self + "k_proj", self + "v_proj"}, d, d, true);
    layer.self_attn.out_proj = weights.linear(self + "out_proj", d, d, true);
    layer.encoder_attn.q_proj = weights.linear(cross + "q_proj", d, d, true);
    layer.encoder_attn.kv_proj = weights.fused_linear(
        cross + "kv_proj", {cross + "k_proj", cross + "v_proj"}, cross_width, d, true);
    layer.encoder_attn.out_proj = weights.linear(cross + "out_proj", d, d, true);
    layer.self_attn_layer_norm =
        weights.layer_norm(l + "self_attn_layer_norm", d, config.layer_norm_eps);
    layer.encoder_attn_layer_norm =
        weights.layer_norm(l + "encoder_attn_layer_norm", d, config.layer_norm_eps);
    layer.fc1 = weights.linear(l + "fc1", d, config.decoder_ffn_dim, true);
    layer.fc2 = weights.linear(l + "fc2", config.decoder_ffn_dim, d, true);
    layer.final_layer_norm = weights.layer_norm(l + "final_layer_norm", d, config.layer_norm_eps);
    decoder.layers.push_back(std::move(layer));
  }
  if (config.tie_word_embeddings) {
    // transformers re-ties on load: the embeddings win over a stored output projection.
    weights.discard("decoder.output_projection.weight");
    decoder.output_projection = decoder.embed_tokens;
  } else {
    decoder.output_projection =
        weights.linear("decoder.output_projection", d, config.vocab_size, false);
  }
  return decoder;
}

}  // namespace mlxocr
