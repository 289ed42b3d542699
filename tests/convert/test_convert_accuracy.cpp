// mlxocr convert on every reference checkpoint, to every dtype and quantization: the float32
// conversion reproduces the original exactly; half precision and quantization stay within the
// bounds docs/convert.md states. Each case prints a "[convert]" line: the figures of that table.
#include <gtest/gtest.h>

#include <mlx/io.h>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "convert/convert.h"
#include "generate/generate.h"
#include "io/safetensors.h"
#include "model_chain.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::max_abs;
using testing::max_abs_diff;
using testing::TempDir;

struct Combination {
  std::string name;
  mx::Dtype dtype;
  int bits;  // 0: not quantized
};

const std::vector<Combination> kCombinations = {
    {"float32", mx::float32, 0},      {"float16", mx::float16, 0},
    {"bfloat16", mx::bfloat16, 0},    {"float32-q8", mx::float32, 8},
    {"float16-q8", mx::float16, 8},   {"bfloat16-q8", mx::bfloat16, 8},
    {"float32-q4", mx::float32, 4},   {"float16-q4", mx::float16, 4},
    {"bfloat16-q4", mx::bfloat16, 4},
};

// Bounds of docs/convert.md, per kind of conversion: teacher-forced logits max-abs relative to
// the largest |logit| of the reference, the share of teacher-forced positions whose top-1 token
// is float32's, and the share of greedy tokens equal to float32's (position by position: once a
// sequence departs, the rest of it usually differs too). Random weights amplify errors far more
// than trained ones (docs/convert.md), so these bounds hold the measured figures with a margin;
// they catch a broken conversion, not a fine change in accuracy.
struct Bounds {
  float logits_relative;
  double top1_agreement;
  double token_agreement;
};

// The reference checkpoints, where layers narrower than the group size stay in floating point.
Bounds fixture_bounds(const Combination& c) {
  if (c.bits == 4) return {0.25f, 0.70, 0.25};
  if (c.bits == 8) return {0.04f, 0.90, 0.60};
  // float32: the same model as transformers' up to summation order, see float32_relative.
  if (c.dtype == mx::float32) return {0.0f, 1.0, 1.0};
  if (c.dtype == mx::float16) return {5e-3f, 0.95, 0.85};
  return {0.03f, 0.90, 0.75};
}

// A float32 conversion computes transformers' logits in other summation orders only: the two
// orders' rounding bound of the model's chain (float_tolerance.h), relative to the largest logit.
float float32_relative(const ModelConfig& config, int length) {
  return static_cast<float>(
      testing::order_bound(testing::model_chain(config, length).forward, 1.0));
}

// The wide model, every linear layer of the decoder quantized.
Bounds wide_bounds(const Combination& c) {
  if (c.bits == 4) return {1.0f, 0.40, 0.15};
  if (c.bits == 8) return {0.4f, 0.80, 0.45};
  if (c.dtype == mx::float32) return {0.0f, 1.0, 1.0};
  if (c.dtype == mx::float16) return {0.03f, 0.95, 0.85};
  return {0.2f, 0.85, 0.70};
}

// Share of positions [B, T] whose top-1 token is the same in both logits.
double top1_agreement(const mx::array& logits, const mx::array& expected) {
  const mx::array same = mx::mean(mx::astype(
      mx::equal(mx::argmax(logits, -1), mx::argmax(mx::astype(expected, mx::float32), -1)),
      mx::float32));
  mx::eval(same);
  return same.item<float>();
}

struct Reference {
  mx::array pixel_values, decoder_input_ids, logits;
  std::vector<std::vector<int>> greedy;  // generate()'s rows, padding after EOS dropped
  int max_new_tokens;
};

Reference load_reference(const std::string& variant, int pad, int eos) {
  auto tensors = mx::load_safetensors(
                     (testing::fixtures() / "reference" / (variant + ".safetensors")).string())
                     .first;
  mx::array seqs = mx::astype(tensors.at("greedy_sequences"), mx::int32);
  mx::eval(seqs);
  Reference ref{tensors.at("pixel_values"),
                mx::astype(tensors.at("decoder_input_ids"), mx::int32),
                tensors.at("logits"),
                {},
                seqs.shape(1) - 1};
  const int* data = seqs.data<int>();
  for (int r = 0; r < seqs.shape(0); ++r) {
    std::vector<int> row;
    for (int t = 0; t < seqs.shape(1); ++t) {
      const int token = data[r * seqs.shape(1) + t];
      if (t > 0 && token == pad && row.back() == eos) break;
      row.push_back(token);
    }
    ref.greedy.push_back(row);
  }
  return ref;
}

// Position-wise agreement of generated tokens (the start token excluded); a position only one
// sequence reaches counts as a disagreement.
struct Agreement {
  long equal = 0, total = 0, rows_identical = 0, rows = 0;
  double share() const { return total ? static_cast<double>(equal) / total : 1.0; }
  void add(const std::vector<int>& expected, const std::vector<int>& actual) {
    const size_t n = std::max(expected.size(), actual.size());
    for (size_t t = 1; t < n; ++t) {
      ++total;
      equal += t < expected.size() && t < actual.size() && expected[t] == actual[t];
    }
    ++rows;
    rows_identical += expected == actual;
  }
};

std::vector<std::vector<int>> greedy_tokens(const TrOCRModel& model, const mx::array& pixels,
                                            int max_new_tokens) {
  GenerationConfig config;
  config.max_new_tokens = max_new_tokens;
  std::vector<std::vector<int>> rows;
  for (const auto& seq : greedy_generate(model, pixels, config))
    rows.push_back(seq.tokens);
  return rows;
}

// Pixel batches beyond the three reference images, for more tokens to compare: uniform noise in
// the normalised range, fixed seed.
mx::array random_pixels(const EncoderConfig& e, int count) {
  return mx::random::uniform(-1.0f, 1.0f, {count, e.num_channels, e.image_height, e.image_width},
                             mx::float32, mx::random::key(7));
}

Conversion convert(const fs::path& input, const fs::path& output, const Combination& c,
                   int group_size) {
  ConvertOptions options;
  options.input = input.string();
  options.output = output;
  options.dtype = dtype_name(c.dtype);
  options.bits = c.bits;
  options.group_size = group_size;
  return convert_model(options);
}

class ConvertAccuracyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ConvertAccuracyTest, EveryDtypeAndQuantizationWithinBounds) {
  const std::string variant = GetParam();
  const fs::path source = testing::model_fixture(variant);
  const TrOCRModel original = load_model(source);
  const Reference ref =
      load_reference(variant, original.config.pad_token_id, original.config.eos_token_id);
  const mx::array original_logits = original.logits(ref.pixel_values, ref.decoder_input_ids);
  const mx::array noise = random_pixels(original.config.encoder, 16);
  const auto original_noise_tokens = greedy_tokens(original, noise, ref.max_new_tokens);
  const float scale = max_abs(ref.logits);

  TempDir dir("convert");
  for (const Combination& c : kCombinations) {
    SCOPED_TRACE(variant + " " + c.name);
    const Conversion result = convert(source, dir / c.name, c, 32);
    const TrOCRModel converted = load_model(dir / c.name);
    ASSERT_TRUE(converted.config.converted);
    EXPECT_EQ(converted.config.converted->dtype, c.name.substr(0, c.name.find('-')));
    EXPECT_TRUE(converted.warnings.empty());

    const mx::array logits = converted.logits(ref.pixel_values, ref.decoder_input_ids);
    const float relative = max_abs_diff(logits, ref.logits) / scale;
    const double top1 = top1_agreement(logits, ref.logits);
    Agreement reference_agreement, noise_agreement;
    const auto tokens = greedy_tokens(converted, ref.pixel_values, ref.max_new_tokens);
    for (size_t r = 0; r < tokens.size(); ++r)
      reference_agreement.add(ref.greedy[r], tokens[r]);
    const auto noise_tokens = greedy_tokens(converted, noise, ref.max_new_tokens);
    for (size_t r = 0; r < noise_tokens.size(); ++r)
      noise_agreement.add(original_noise_tokens[r], noise_tokens[r]);

    Bounds bounds = fixture_bounds(c);
    if (c.dtype == mx::float32 && c.bits == 0)
      bounds.logits_relative = float32_relative(original.config, ref.decoder_input_ids.shape(1));
    EXPECT_LE(relative, bounds.logits_relative);
    EXPECT_GE(top1, bounds.top1_agreement);
    EXPECT_GE(reference_agreement.share(), bounds.token_agreement);
    EXPECT_GE(noise_agreement.share(), bounds.token_agreement);
    if (c.dtype == mx::float32 && c.bits == 0) {
      // The float32 conversion is the same model: bit-identical logits and tokens.
      EXPECT_EQ(max_abs_diff(logits, original_logits), 0.0f);
      EXPECT_EQ(tokens, ref.greedy);
      EXPECT_EQ(noise_tokens, original_noise_tokens);
    }
    std::printf(
        "[convert] %-16s %-12s weights %8ju B (source %8ju B, %5.1f%%)  layers q %2zu skipped %2zu"
        "  logits max-abs/scale %.2e  top-1 %5.1f%%  greedy agreement: reference %5.1f%% "
        "(%ld/%ld rows), noise %5.1f%% (%ld/%ld rows)\n",
        variant.c_str(), c.name.c_str(), result.output_weight_bytes, result.source_weight_bytes,
        100.0 * result.output_weight_bytes / result.source_weight_bytes,
        result.quantization.quantized.size(), result.quantization.skipped.size(), relative,
        100 * top1, 100 * reference_agreement.share(), reference_agreement.rows_identical,
        reference_agreement.rows, 100 * noise_agreement.share(), noise_agreement.rows_identical,
        noise_agreement.rows);
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, ConvertAccuracyTest,
                         ::testing::ValuesIn(testing::kModelVariants), testing::VariantName());

// A model folder with random weights for `config` (a variant of a fixture's config.json), the
// fixture's tokenizer and processor files beside it. Weights are spread like the fixtures' (logits
// far from uniform); there is no transformers record, float32 is the reference.
class RandomModel {
 public:
  RandomModel(const std::string& fixture, const std::function<void(nlohmann::json&)>& edit)
      : dir_("random-model") {
    write(fixture, edit);
  }
  const fs::path& path() const { return dir_.path(); }

 private:
  void write(const std::string& fixture, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json config;
    {
      std::ifstream in(testing::model_fixture(fixture) / "config.json");
      config = nlohmann::json::parse(in);
    }
    edit(config);
    std::ofstream(dir_ / "config.json") << config.dump(2);
    for (const auto& entry : fs::directory_iterator(testing::model_fixture(fixture))) {
      const std::string name = entry.path().filename().string();
      if (name != "config.json" && name != "model.safetensors" && name != "pytorch_model.bin")
        fs::copy_file(entry.path(), dir_ / name);
    }
    const ModelConfig parsed = parse_model_config(config, "random");
    const EncoderConfig& e = parsed.encoder;
    const DecoderConfig& dc = parsed.decoder;
    const int h = e.hidden_size, d = dc.d_model, vocab = dc.vocab_size;
    TensorMap t;
    add(t, "encoder.embeddings.cls_token", {1, 1, h}, 1.0f);
    if (e.has_distillation_token())
      add(t, "encoder.embeddings.distillation_token", {1, 1, h}, 1.0f);
    add(t, "encoder.embeddings.position_embeddings", {1, e.sequence_length(), h}, 1.0f);
    add(t, "encoder.embeddings.patch_embeddings.projection.weight",
        {h, e.num_channels, e.patch_height, e.patch_width},
        1.0f / std::sqrt(float(e.num_channels * e.patch_height * e.patch_width)));
    add(t, "encoder.embeddings.patch_embeddings.projection.bias", {h}, 0.1f);
    for (int i = 0; i < e.num_hidden_layers; ++i) {
      const std::string p = "encoder.encoder.layer." + std::to_string(i) + ".";
      norm(t, p + "layernorm_before", h);
      for (const char* name : {"query", "key", "value"})
        linear(t, p + "attention.attention." + name, h, h, e.qkv_bias);
      linear(t, p + "attention.output.dense", h, h, true);
      norm(t, p + "layernorm_after", h);
      linear(t, p + "intermediate.dense", h, e.intermediate_size, true);
      linear(t, p + "output.dense", e.intermediate_size, h, true);
    }
    norm(t, "encoder.layernorm", h);
    linear(t, "encoder.pooler.dense", h, e.pooler_output_size, true);
    if (parsed.has_enc_to_dec_proj) linear(t, "enc_to_dec_proj", h, d, true);
    const int cross = parsed.cross_attention_input_size();
    const std::string p = "decoder.model.decoder.";
    add(t, p + "embed_tokens.weight", {vocab, d}, 1.0f);
    if (dc.use_learned_position_embeddings)
      add(t, p + "embed_positions.weight", {dc.max_position_embeddings + 2, d}, 1.0f);
    if (dc.layernorm_embedding) norm(t, p + "layernorm_embedding", d);
    for (int i = 0; i < dc.decoder_layers; ++i) {
      const std::string l = p + "layers." + std::to_string(i) + ".";
      for (const char* name : {"q_proj", "k_proj", "v_proj", "out_proj"})
        linear(t, l + "self_attn." + name, d, d, true);
      linear(t, l + "encoder_attn.q_proj", d, d, true);
      linear(t, l + "encoder_attn.k_proj", cross, d, true);
      linear(t, l + "encoder_attn.v_proj", cross, d, true);
      linear(t, l + "encoder_attn.out_proj", d, d, true);
      for (const char* name :
           {"self_attn_layer_norm", "encoder_attn_layer_norm", "final_layer_norm"})
        norm(t, l + name, d);
      linear(t, l + "fc1", d, dc.decoder_ffn_dim, true);
      linear(t, l + "fc2", dc.decoder_ffn_dim, d, true);
    }
    if (!dc.tie_word_embeddings) add(t, "decoder.output_projection.weight", {vocab, d}, 0.5f);
    save_safetensors(dir_ / "model.safetensors", t);
  }

  void add(TensorMap& tensors, const std::string& name, const mx::Shape& shape, float std) {
    tensors.insert_or_assign(
        name, mx::random::normal(shape, mx::float32, 0.0f, std, mx::random::key(seed_++)));
  }
  void linear(TensorMap& t, const std::string& name, int in, int out, bool bias) {
    add(t, name + ".weight", {out, in}, 1.0f / std::sqrt(static_cast<float>(in)));
    if (bias) add(t, name + ".bias", {out}, 0.1f);
  }
  void norm(TensorMap& t, const std::string& name, int width) {
    t.insert_or_assign(name + ".weight", 1.0f + mx::random::normal({width}, mx::float32, 0.0f, 0.1f,
                                                                   mx::random::key(seed_++)));
    add(t, name + ".bias", {width}, 0.1f);
  }

  TempDir dir_;
  int seed_ = 100;
};

// The fixtures' widths (24..64) leave most layers unquantized at group size 32, so a wider model
// (every width a multiple of 64) shows what quantizing every linear layer does.
class WideModel : public RandomModel {
 public:
  WideModel()
      : RandomModel("vit-trocr", [](nlohmann::json& config) {
          const int width = 64;
          config["encoder"]["hidden_size"] = width;
          config["encoder"]["intermediate_size"] = 2 * width;
          config["encoder"]["pooler_output_size"] = width;
          config["decoder"]["d_model"] = width;
          config["decoder"]["decoder_ffn_dim"] = 2 * width;
          config["decoder"]["cross_attention_hidden_size"] = width;
        }) {}
};

TEST(ConvertAccuracy, WideModelEveryLayerQuantized) {
  const WideModel wide;
  const TrOCRModel original = load_model(wide.path());
  const mx::array pixels = random_pixels(original.config.encoder, 32);
  const int max_new_tokens = 24;
  const auto original_tokens = greedy_tokens(original, pixels, max_new_tokens);
  const mx::array ids = mx::astype(mx::random::randint(3, original.config.decoder.vocab_size,
                                                       {32, 12}, mx::int32, mx::random::key(9)),
                                   mx::int32);
  const mx::array original_logits = original.logits(pixels, ids);
  const float scale = max_abs(original_logits);

  TempDir dir("convert-wide");
  for (const Combination& c : kCombinations) {
    SCOPED_TRACE(c.name);
    const Conversion result = convert(wide.path(), dir / c.name, c, 64);
    EXPECT_TRUE(result.quantization.skipped.empty());
    if (c.bits) {
      // Every linear layer of the decoder: embed_tokens, 7 per layer, the output projection.
      EXPECT_EQ(result.quantization.quantized.size(),
                2 + 7 * static_cast<size_t>(original.config.decoder.decoder_layers));
    }
    const TrOCRModel converted = load_model(dir / c.name);
    const mx::array logits = converted.logits(pixels, ids);
    const float relative = max_abs_diff(logits, original_logits) / scale;
    const double top1 = top1_agreement(logits, original_logits);
    Agreement agreement;
    const auto tokens = greedy_tokens(converted, pixels, max_new_tokens);
    for (size_t r = 0; r < tokens.size(); ++r)
      agreement.add(original_tokens[r], tokens[r]);
    const Bounds bounds = wide_bounds(c);
    EXPECT_LE(relative, bounds.logits_relative);
    EXPECT_GE(top1, bounds.top1_agreement);
    EXPECT_GE(agreement.share(), bounds.token_agreement);
    std::printf(
        "[convert] %-16s %-12s weights %8ju B (source %8ju B, %5.1f%%)  layers q %2zu skipped %2zu"
        "  logits max-abs/scale %.2e  top-1 %5.1f%%  greedy agreement with float32 %5.1f%% "
        "(%ld/%ld rows)\n",
        "wide-64", c.name.c_str(), result.output_weight_bytes, result.source_weight_bytes,
        100.0 * result.output_weight_bytes / result.source_weight_bytes,
        result.quantization.quantized.size(), result.quantization.skipped.size(), relative,
        100 * top1, 100 * agreement.share(), agreement.rows_identical, agreement.rows);
  }
}

// Quantizing in memory gives exactly the model that loading the converted folder gives.
TEST(ConvertAccuracy, QuantizedInMemoryEqualsLoadedFromDisk) {
  const WideModel wide;
  TrOCRModel in_memory = load_model(wide.path());
  const QuantizationReport report = quantize_model(in_memory, 4, 64, true);
  EXPECT_TRUE(report.skipped.empty());
  TempDir dir("convert-q");
  ConvertOptions options;
  options.input = wide.path().string();
  options.output = dir / "q4";
  options.bits = 4;
  options.quantize_encoder = true;
  convert_model(options);
  const TrOCRModel loaded = load_model(dir / "q4");
  ASSERT_TRUE(loaded.decoder.layers[0].fc1.quantized);
  ASSERT_TRUE(loaded.encoder.layers[0].qkv.quantized);
  EXPECT_FALSE(loaded.encoder.embeddings.patch_projection.quantized);
  const mx::array pixels = random_pixels(in_memory.config.encoder, 2);
  const mx::array ids = mx::array({2, 5, 9, 11, 2, 7, 8, 3}, {2, 4}, mx::int32);
  EXPECT_EQ(max_abs_diff(in_memory.logits(pixels, ids), loaded.logits(pixels, ids)), 0.0f);
}

}  // namespace
}  // namespace mlxocr

namespace mlxocr {
namespace {

// The shapes of the real checkpoints (microsoft/trocr-small-* and trocr-base-*), random weights:
// sizes on disk and agreement with float32 at full width, group size 64. Minutes of CPU and a
// few GB of memory, so not part of the suite; run with
//   build/mlxocr_tests --gtest_also_run_disabled_tests --gtest_filter='*FullSize*'
class FullSizeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FullSizeTest, DISABLED_SizesAndAgreementAtRealShapes) {
  const bool small = GetParam() == "trocr-small";
  const RandomModel model(small ? "deit-trocr" : "vit-trocr", [small](nlohmann::json& c) {
    auto& e = c["encoder"];
    auto& d = c["decoder"];
    e["image_size"] = 384;
    e["patch_size"] = 16;
    e["num_hidden_layers"] = 12;
    e["hidden_size"] = small ? 384 : 768;
    e["num_attention_heads"] = small ? 6 : 12;
    e["intermediate_size"] = small ? 1536 : 3072;
    e["pooler_output_size"] = small ? 384 : 768;
    d["d_model"] = small ? 256 : 1024;
    d["decoder_layers"] = small ? 6 : 12;
    d["decoder_attention_heads"] = small ? 8 : 16;
    d["decoder_ffn_dim"] = small ? 1024 : 4096;
    d["vocab_size"] = small ? 64044 : 50265;
    d["max_position_embeddings"] = 512;
    d["cross_attention_hidden_size"] = small ? 384 : 768;
  });
  const TrOCRModel original = load_model(model.path());
  const int images = 2, max_new_tokens = 16;
  const mx::array pixels = random_pixels(original.config.encoder, images);
  const auto original_tokens = greedy_tokens(original, pixels, max_new_tokens);
  const mx::array ids = mx::random::randint(3, original.config.decoder.vocab_size, {images, 16},
                                            mx::int32, mx::random::key(9));
  const mx::array original_logits = original.logits(pixels, ids);
  const float scale = max_abs(original_logits);

  TempDir dir("convert-full");
  std::vector<std::pair<Combination, bool>> cases;  // combination, encoder quantized too
  for (const Combination& c : kCombinations)
    cases.push_back({c, false});
  cases.push_back({{"float32-q8+enc", mx::float32, 8}, true});
  cases.push_back({{"float32-q4+enc", mx::float32, 4}, true});
  cases.push_back({{"float16-q4+enc", mx::float16, 4}, true});
  for (const auto& [c, encoder] : cases) {
    ConvertOptions options;
    options.input = model.path().string();
    options.output = dir / c.name;
    options.dtype = dtype_name(c.dtype);
    options.bits = c.bits;
    options.quantize_encoder = encoder;
    const Conversion result = convert_model(options);
    if (c.dtype != mx::float32) {
      // Sizes only: inference at these shapes takes minutes per case on a small CPU, so the
      // accuracy is measured where the activations stay float32 (quantization error alone).
      std::printf("[convert] %-12s %-15s weights %10.1f MB (%5.1f%% of float32)\n",
                  GetParam().c_str(), c.name.c_str(), result.output_weight_bytes / 1e6,
                  100.0 * result.output_weight_bytes / result.source_weight_bytes);
      std::fflush(stdout);
      fs::remove_all(dir / c.name);
      continue;
    }
    const TrOCRModel converted = load_model(dir / c.name);
    const mx::array logits = converted.logits(pixels, ids);
    const float relative = max_abs_diff(logits, original_logits) / scale;
    const double top1 = top1_agreement(logits, original_logits);
    Agreement agreement;
    const auto tokens = greedy_tokens(converted, pixels, max_new_tokens);
    for (size_t r = 0; r < tokens.size(); ++r)
      agreement.add(original_tokens[r], tokens[r]);
    std::printf(
        "[convert] %-12s %-15s weights %10.1f MB (%5.1f%% of float32)  quantized %3zu skipped "
        "%zu  logits max-abs/scale %.2e  top-1 %5.1f%%  greedy %5.1f%% (%ld/%ld rows)\n",
        GetParam().c_str(), c.name.c_str(), result.output_weight_bytes / 1e6,
        100.0 * result.output_weight_bytes / result.source_weight_bytes,
        result.quantization.quantized.size(), result.quantization.skipped.size(), relative,
        100 * top1, 100 * agreement.share(), agreement.rows_identical, agreement.rows);
    std::fflush(stdout);
    fs::remove_all(dir / c.name);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, FullSizeTest, ::testing::Values("trocr-small", "trocr-base"),
                         testing::VariantName());

}  // namespace
}  // namespace mlxocr
