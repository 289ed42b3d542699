#include "bench/arch.h"

#include <mlx/ops.h>
#include <mlx/random.h>

#include "bench/arch_configs.h"
#include "mlxocr/error.h"

namespace mlxocr {

std::vector<std::string> builtin_arch_names() {
  return {"trocr-base", "trocr-small"};
}

nlohmann::json builtin_arch_config(const std::string& name) {
  if (name == "trocr-base") return nlohmann::json::parse(bench_configs::kTrocrBase);
  if (name == "trocr-small") return nlohmann::json::parse(bench_configs::kTrocrSmall);
  throw UsageError("unknown architecture '" + name + "' (known: trocr-base, trocr-small)");
}

namespace {

// Draws every weight from one key split per tensor, in name order, so a seed gives one model.
class RandomTensors {
 public:
  explicit RandomTensors(std::uint64_t seed) : key_(mx::random::key(seed)) {}

  void normal(const std::string& name, const mx::Shape& shape) {
    auto [next, draw] = mx::random::split(key_);
    key_ = next;
    tensors.insert_or_assign(name, mx::random::normal(shape, mx::float32, 0.0f, 0.02f, draw));
  }
  void constant(const std::string& name, const mx::Shape& shape, float value) {
    tensors.insert_or_assign(name, mx::full(shape, value, mx::float32));
  }
  void linear(const std::string& name, int in, int out, bool bias) {
    normal(name + ".weight", {out, in});
    if (bias) constant(name + ".bias", {out}, 0.0f);
  }
  void layer_norm(const std::string& name, int width) {
    constant(name + ".weight", {width}, 1.0f);
    constant(name + ".bias", {width}, 0.0f);
  }

  TensorMap tensors;

 private:
  mx::array key_;
};

void add_encoder(const EncoderConfig& c, RandomTensors& t) {
  const int h = c.hidden_size;
  const std::string e = "encoder.embeddings.";
  t.normal(e + "cls_token", {1, 1, h});
  if (c.has_distillation_token()) t.normal(e + "distillation_token", {1, 1, h});
  t.normal(e + "position_embeddings", {1, c.sequence_length(), h});
  t.normal(e + "patch_embeddings.projection.weight",
           {h, c.num_channels, c.patch_height, c.patch_width});
  t.constant(e + "patch_embeddings.projection.bias", {h}, 0.0f);
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "encoder.encoder.layer." + std::to_string(i) + ".";
    t.layer_norm(p + "layernorm_before", h);
    for (const char* name : {"query", "key", "value"})
      t.linear(p + "attention.attention." + name, h, h, c.qkv_bias);
    t.linear(p + "attention.output.dense", h, h, true);
    t.layer_norm(p + "layernorm_after", h);
    t.linear(p + "intermediate.dense", h, c.intermediate_size, true);
    t.linear(p + "output.dense", c.intermediate_size, h, true);
  }
  t.layer_norm("encoder.layernorm", h);
  t.linear("encoder.pooler.dense", h, c.pooler_output_size, true);
}

void add_decoder(const DecoderConfig& c, int cross_width, RandomTensors& t) {
  const int d = c.d_model;
  const std::string p = "decoder.model.decoder.";
  t.normal(p + "embed_tokens.weight", {c.vocab_size, d});
  if (c.use_learned_position_embeddings)
    t.normal(p + "embed_positions.weight", {c.max_position_embeddings + 2, d});
  if (c.layernorm_embedding) t.layer_norm(p + "layernorm_embedding", d);
  for (int i = 0; i < c.decoder_layers; ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    for (const char* name : {"q_proj", "k_proj", "v_proj", "out_proj"})
      t.linear(l + "self_attn." + name, d, d, true);
    t.layer_norm(l + "self_attn_layer_norm", d);
    t.linear(l + "encoder_attn.q_proj", d, d, true);
    t.linear(l + "encoder_attn.k_proj", cross_width, d, true);
    t.linear(l + "encoder_attn.v_proj", cross_width, d, true);
    t.linear(l + "encoder_attn.out_proj", d, d, true);
    t.layer_norm(l + "encoder_attn_layer_norm", d);
    t.linear(l + "fc1", d, c.decoder_ffn_dim, true);
    t.linear(l + "fc2", c.decoder_ffn_dim, d, true);
    t.layer_norm(l + "final_layer_norm", d);
  }
  if (!c.tie_word_embeddings) t.normal("decoder.output_projection.weight", {c.vocab_size, d});
}

}  // namespace

TensorMap random_checkpoint(const ModelConfig& config, std::uint64_t seed) {
  RandomTensors t(seed);
  add_encoder(config.encoder, t);
  if (config.has_enc_to_dec_proj)
    t.linear("enc_to_dec_proj", config.encoder.hidden_size, config.decoder.d_model, true);
  add_decoder(config.decoder, config.cross_attention_input_size(), t);
  return std::move(t.tensors);
}

}  // namespace mlxocr
