// The fused decoding step of a decoder layer (cpu_decoder_step.h) against the layer-by-layer
// path it replaces (MLX's ops and the separate kernels, themselves checked against the formulas
// and against transformers): random decoders with head widths the vector attention takes and
// widths it does not, GELU and ReLU, float32, 8- and 4-bit weights, one and several sequences,
// several steps in a row; the cache updated in place when it can be and copied when it cannot;
// a generation cache that keeps the image's keys and values once; and where the fusion must step
// aside. The generation parity tests against transformers decode through it too.
#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include <string>
#include <vector>

#include "model/array_values.h"
#include "model/cpu_decoder_step.h"
#include "model/decoder_trocr.h"
#include "model/dropout.h"
#include "model/layers.h"
#include "model_chain.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::max_abs;
using testing::max_abs_diff;
using testing::order_bound;
using testing::values;

struct Shape {
  int d_model, heads, ffn, layers;
  std::string activation;
  int bits = 0;  // 0: float32 weights
};

class DecoderFactory {
 public:
  explicit DecoderFactory(std::uint64_t seed) : key_(mx::random::key(seed)) {}

  mx::array normal(mx::Shape shape, float scale) {
    auto [now, next] = mx::random::split(key_);
    key_ = next;
    return mx::random::normal(shape, mx::float32, 0.0f, scale, now);
  }

  Linear linear(int in, int out, int bits) {
    Linear layer{normal({out, in}, 1.0f / std::sqrt(static_cast<float>(in))), normal({out}, 0.1f),
                 std::nullopt};
    return bits ? quantize_linear(layer, 32, bits) : layer;
  }

  LayerNorm norm(int width) { return {1.0f + normal({width}, 0.1f), normal({width}, 0.1f), 1e-5f}; }

  // A TrOCR decoder with random weights (learned positions, no embedding layer norm).
  TrOCRDecoder decoder(const Shape& s, int vocab) {
    TrOCRDecoder decoder;
    decoder.config.d_model = s.d_model;
    decoder.config.decoder_attention_heads = s.heads;
    decoder.config.decoder_ffn_dim = s.ffn;
    decoder.config.decoder_layers = s.layers;
    decoder.config.activation_function = s.activation;
    decoder.config.vocab_size = vocab;
    decoder.config.max_position_embeddings = 64;
    decoder.config.use_learned_position_embeddings = true;
    decoder.embed_tokens = Linear{normal({vocab, s.d_model}, 1.0f), std::nullopt, std::nullopt};
    decoder.embed_positions = normal({64 + 2, s.d_model}, 0.5f);
    for (int i = 0; i < s.layers; ++i) {
      TrOCRDecoderLayer layer;
      layer.self_attn.qkv_proj = linear(s.d_model, 3 * s.d_model, s.bits);
      layer.self_attn.out_proj = linear(s.d_model, s.d_model, s.bits);
      layer.self_attn_layer_norm = norm(s.d_model);
      layer.encoder_attn.q_proj = linear(s.d_model, s.d_model, s.bits);
      layer.encoder_attn.kv_proj = linear(s.d_model, 2 * s.d_model, s.bits);
      layer.encoder_attn.out_proj = linear(s.d_model, s.d_model, s.bits);
      layer.encoder_attn_layer_norm = norm(s.d_model);
      layer.fc1 = linear(s.d_model, s.ffn, s.bits);
      layer.fc2 = linear(s.ffn, s.d_model, s.bits);
      layer.final_layer_norm = norm(s.d_model);
      decoder.layers.push_back(std::move(layer));
    }
    decoder.output_projection = decoder.embed_tokens;
    return decoder;
  }

 private:
  mx::array key_;
};

// A cache the fused step's kernel updated (and not MLX's slice_update).
bool fused(const mx::array& cache) {
  return cache.has_primitive() &&
         std::string(cache.primitive().name()) == "MlxocrDecoderCacheAppend";
}

class FusionSwitch {
 public:
  explicit FusionSwitch(bool on) { set_fused_decoding_step(on); }
  ~FusionSwitch() { set_fused_decoding_step(true); }
};

// Decodes `steps` tokens for `batch` sequences with and without the fusion, from the same
// encoder states, and compares the logits and the caches after every step.
void expect_same_steps(const Shape& shape, int batch, int steps) {
  DecoderFactory factory(7 + shape.d_model + shape.bits);
  const int vocab = 50, source = 13;
  const TrOCRDecoder decoder = factory.decoder(shape, vocab);
  const mx::array states = factory.normal({batch, source, shape.d_model}, 1.0f);
  DecoderCache with = decoder.start_cache(states, steps + 2);
  DecoderCache without = decoder.start_cache(states, steps + 2);
  for (int step = 0; step < steps; ++step) {
    std::vector<int> tokens(batch);
    for (int b = 0; b < batch; ++b)
      tokens[b] = (step * 7 + b * 11 + 3) % vocab;
    const mx::array ids(tokens.data(), {batch, 1}, mx::int32);
    mx::array fused_logits = mx::array(0.0f), reference = mx::array(0.0f);
    {
      FusionSwitch on(true);
      fused_logits = decoder.forward(ids, with);
      ASSERT_TRUE(fused(with.self_keys[0])) << "the fused step was not used";
    }
    {
      FusionSwitch off(false);
      reference = decoder.forward(ids, without);
      ASSERT_FALSE(fused(without.self_keys[0]));
    }
    mx::eval({fused_logits, reference});
    // Both paths sum the same products in other orders: within the rounding of the decoder's
    // chain (float_tolerance.h; a layer's keys and values take part of it, bounded by all of it).
    // A cache entry written one position off, or a wrong activation, fails it by far.
    const double roundings =
        testing::decoder_chain(decoder.config, steps + 2, source, shape.d_model).forward;
    auto bound = [&](const mx::array& want) { return order_bound(roundings, max_abs(want)); };
    EXPECT_LE(max_abs_diff(fused_logits, reference), bound(reference)) << "step " << step;
    for (size_t layer = 0; layer < decoder.layers.size(); ++layer) {
      EXPECT_LE(max_abs_diff(with.self_keys[layer], without.self_keys[layer]),
                bound(without.self_keys[layer]))
          << "layer " << layer << ", step " << step;
      EXPECT_LE(max_abs_diff(with.self_values[layer], without.self_values[layer]),
                bound(without.self_values[layer]))
          << "layer " << layer << ", step " << step;
    }
  }
}

TEST(FusedDecoderStep, MatchesTheLayerByLayerPathWithGelu) {
  expect_same_steps({64, 4, 128, 2, "gelu"}, 1, 5);  // head width 16: the vector attention
}

TEST(FusedDecoderStep, MatchesTheLayerByLayerPathWithReluAndOddHeadWidths) {
  expect_same_steps({36, 3, 40, 2, "relu"}, 3, 4);  // head width 12: the plain loops
}

TEST(FusedDecoderStep, MatchesTheLayerByLayerPathForEightSequences) {
  expect_same_steps({64, 8, 96, 1, "gelu"}, 8, 3);
}

TEST(FusedDecoderStep, MatchesTheLayerByLayerPathWith8BitWeights) {
  expect_same_steps({64, 4, 128, 2, "relu", 8}, 2, 4);
}

TEST(FusedDecoderStep, MatchesTheLayerByLayerPathWith4BitWeights) {
  expect_same_steps({64, 2, 96, 2, "gelu", 4}, 1, 4);
}

TEST(FusedDecoderStep, UpdatesTheCacheInPlaceWhenNobodyElseHoldsIt) {
  DecoderFactory factory(3);
  const TrOCRDecoder decoder = factory.decoder({32, 4, 64, 1, "gelu"}, 20);
  DecoderCache cache = decoder.start_cache(factory.normal({1, 5, 32}, 1.0f), 8);
  const mx::array first = mx::array({4}, {1, 1});
  mx::eval(decoder.forward(first, cache), cache.self_keys[0]);
  const float* buffer = cache.self_keys[0].data<float>();
  mx::eval(decoder.forward(mx::array({9}, {1, 1}), cache), cache.self_keys[0]);
  EXPECT_EQ(cache.self_keys[0].data<float>(), buffer);
}

TEST(FusedDecoderStep, LeavesACacheSomebodyElseHoldsUnchanged) {
  DecoderFactory factory(4);
  const TrOCRDecoder decoder = factory.decoder({32, 4, 64, 1, "relu"}, 20);
  DecoderCache cache = decoder.start_cache(factory.normal({1, 5, 32}, 1.0f), 8);
  mx::eval(decoder.forward(mx::array({4}, {1, 1}), cache), cache.self_keys[0]);
  const mx::array kept = cache.self_keys[0];  // e.g. a beam that is still referenced
  const std::vector<float> before = values(kept);
  mx::eval(decoder.forward(mx::array({9}, {1, 1}), cache), cache.self_keys[0]);
  EXPECT_EQ(values(kept), before);
  // Row 1 of every head is new in the updated cache and still empty in the kept one.
  const mx::array row = mx::slice(cache.self_keys[0], {0, 0, 1, 0}, {1, 4, 2, 8});
  EXPECT_GT(max_abs(row), 0.0f);
  EXPECT_EQ(max_abs(mx::slice(kept, {0, 0, 1, 0}, {1, 4, 2, 8})), 0.0f);
}

TEST(FusedDecoderStep, AGenerationCacheKeepsTheImageKeysAndValuesOnceAndDecodesTheSame) {
  DecoderFactory factory(6);
  const TrOCRDecoder decoder = factory.decoder({32, 4, 64, 2, "gelu"}, 20);
  const mx::array states = factory.normal({2, 5, 32}, 1.0f);
  DecoderCache steps_only = decoder.start_cache(states, 8, /*steps_only=*/true);
  DecoderCache full = decoder.start_cache(states, 8);
  EXPECT_TRUE(steps_only.cross_kv.empty()) << "the fused projection is not kept";
  ASSERT_EQ(steps_only.cross_keys.size(), decoder.layers.size());
  for (size_t layer = 0; layer < decoder.layers.size(); ++layer) {
    EXPECT_TRUE(steps_only.cross_keys[layer].is_available()) << "computed layer by layer";
    EXPECT_TRUE(steps_only.cross_values[layer].is_available());
  }
  for (int token : {4, 9, 2}) {
    const mx::array ids({token, token}, {2, 1});
    const mx::array a = decoder.forward(ids, steps_only);
    const mx::array b = decoder.forward(ids, full);
    EXPECT_TRUE(fused(steps_only.self_keys[0]));
    EXPECT_EQ(max_abs_diff(a, b), 0.0f) << "token " << token;
  }
}

TEST(FusedDecoderStep, StepsAsideWhereItDoesNotApply) {
  DecoderFactory factory(5);
  const TrOCRDecoder decoder = factory.decoder({32, 4, 64, 1, "gelu"}, 20);
  const TrOCRDecoderLayer& layer = decoder.layers[0];
  EXPECT_TRUE(decoder_layer_step_supports(layer, decoder.config, mx::zeros({8, 1, 32})));
  EXPECT_FALSE(decoder_layer_step_supports(layer, decoder.config, mx::zeros({9, 1, 32})))
      << "more sequences than the row kernels take at once";
  EXPECT_FALSE(decoder_layer_step_supports(layer, decoder.config, mx::zeros({1, 2, 32})))
      << "two tokens at once";
  EXPECT_FALSE(
      decoder_layer_step_supports(layer, decoder.config, mx::zeros({1, 1, 32}, mx::float16)));
  DecoderConfig tanh_gelu = decoder.config;
  tanh_gelu.activation_function = "gelu_new";
  EXPECT_FALSE(decoder_layer_step_supports(layer, tanh_gelu, mx::zeros({1, 1, 32})));
  {
    TrainingDropout training({0.0f, 0.1f, 0.0f}, 1);
    EXPECT_FALSE(decoder_layer_step_supports(layer, decoder.config, mx::zeros({1, 1, 32})));
  }
  FusionSwitch off(false);
  EXPECT_FALSE(decoder_layer_step_supports(layer, decoder.config, mx::zeros({1, 1, 32})));
}

}  // namespace
}  // namespace mlxocr
