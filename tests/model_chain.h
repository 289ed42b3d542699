// The chain of roundings (float_tolerance.h) of a TrOCR model's encoder and decoder, counted
// from its config: what one encoder state, one logit or one gradient entry collects.
#pragma once

#include <mlx/ops.h>

#include <algorithm>
#include <vector>

#include "float_tolerance.h"
#include "model/config.h"
#include "model/model.h"

namespace mlxocr::testing {

// Patch embedding, then per pre-LN ViT layer: layer norm, q/k/v, attention over the image's
// tokens, output projection, layer norm, the two feed-forward layers; the final layer norm.
inline Chain encoder_chain(const EncoderConfig& e) {
  Chain chain;
  const int h = e.hidden_size, tokens = e.sequence_length();
  chain.linear(e.num_channels * e.patch_height * e.patch_width, h);
  for (int layer = 0; layer < e.num_hidden_layers; ++layer) {
    chain.layer_norm(h).linear(h, 3 * h).attention(e.head_dim(), tokens, tokens).linear(h, h);
    chain.layer_norm(h).linear(h, e.intermediate_size).linear(e.intermediate_size, h);
  }
  return chain.layer_norm(h);
}

// Per post-LN TrOCR layer over `length` positions: self-attention, cross-attention over
// `source` encoder tokens of width `cross_width`, feed-forward, each followed by its layer norm;
// then the output projection.
inline Chain decoder_chain(const DecoderConfig& d, int length, int source, int cross_width) {
  const int w = d.d_model;
  Chain chain;
  if (d.layernorm_embedding) chain.layer_norm(w);
  for (int layer = 0; layer < d.decoder_layers; ++layer) {
    chain.linear(w, 3 * w).attention(d.head_dim(), length, length).linear(w, w).layer_norm(w);
    chain.linear(w, w).linear(cross_width, 2 * w);
    chain.attention(d.head_dim(), length, source).linear(w, w).layer_norm(w);
    chain.linear(w, d.decoder_ffn_dim).linear(d.decoder_ffn_dim, w).layer_norm(w);
  }
  return chain.linear(w, d.vocab_size);
}

// The same for a whole model's decoder, with its enc_to_dec_proj when it has one.
inline Chain decoder_chain(const ModelConfig& config, int length) {
  Chain chain;
  if (config.has_enc_to_dec_proj) chain.linear(config.encoder.hidden_size, config.decoder.d_model);
  return chain.then(decoder_chain(config.decoder, length, config.encoder.sequence_length(),
                                  config.cross_attention_input_size()));
}

// A logit of pixels -> encoder -> decoder.
inline Chain model_chain(const ModelConfig& config, int length) {
  return encoder_chain(config.encoder).then(decoder_chain(config, length));
}

// How far a generated token's log-probability may be from the same one computed another way (in
// a batch, through other matrix shapes, so other summation orders): the model's chain for the
// sequence, then a log-sum-exp over the vocabulary. A log-prob is a logit minus that
// log-sum-exp, so its rounding is relative to the logits' size along the sequence, not to its
// own. `tokens`: the start token, then the generated ones.
inline double logprob_bound(const TrOCRModel& model, const mx::array& image,
                            const std::vector<int>& tokens) {
  const int length = static_cast<int>(tokens.size()) - 1;  // inputs: all but the last
  if (length < 1) return 0.0;
  const mx::array ids(tokens.data(), {1, length}, mx::int32);
  mx::array logits = mx::max(mx::abs(model.logits(image, ids)));
  mx::eval(logits);
  const double scale = std::max(1.0f, logits.item<float>());
  const double roundings =
      model_chain(model.config, length).forward + model.config.decoder.vocab_size;
  return order_bound(roundings, scale);
}

}  // namespace mlxocr::testing
