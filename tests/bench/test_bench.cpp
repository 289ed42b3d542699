// mlxocr bench's pieces: the built-in architectures, their random checkpoints, the FLOP and
// weight-byte counts and the machine measurements. Sanity, never speed.
#include <gtest/gtest.h>

#include <fstream>

#include "bench/arch.h"
#include "bench/bench.h"
#include "bench/machine.h"
#include "mlxocr/error.h"
#include "model/config.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::kModelVariants;
using testing::model_fixture;

const fs::path kConfigs = fs::path(MLXOCR_FIXTURES_DIR) / ".." / ".." / "bench" / "configs";

using testing::read_json;

TEST(BenchArch, BuiltInConfigsAreTheFilesInBenchConfigs) {
  for (const std::string& name : builtin_arch_names())
    EXPECT_EQ(builtin_arch_config(name), read_json(kConfigs / (name + ".json"))) << name;
}

TEST(BenchArch, ShapesOfTheRealCheckpoints) {
  // Parameter counts of microsoft/trocr-small-handwritten (61.6M, its own output projection)
  // and trocr-base-handwritten (333.9M: the output projection is tied to the embeddings, as the
  // decoder config leaves tie_word_embeddings at its default), pooler included.
  const ModelConfig small = parse_model_config(builtin_arch_config("trocr-small"), "small");
  const ModelConfig base = parse_model_config(builtin_arch_config("trocr-base"), "base");
  EXPECT_EQ(small.encoder.model_type, "deit");
  EXPECT_EQ(base.encoder.model_type, "vit");
  EXPECT_NEAR(count_parameters(small) / 1e6, 61.6, 0.1);
  EXPECT_NEAR(count_parameters(base) / 1e6, 333.9, 0.1);
  EXPECT_TRUE(base.decoder.tie_word_embeddings);
  EXPECT_FALSE(small.decoder.tie_word_embeddings);
}

TEST(BenchArch, UnknownArchitectureIsNamed) {
  try {
    builtin_arch_config("trocr-huge");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("trocr-huge"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("trocr-base"), std::string::npos);
  }
}

// Every variant's config (ViT, DeiT, enc_to_dec_proj, tied and untied outputs): the random
// checkpoint has exactly the tensors the model binds, each with the right shape.
TEST(BenchArch, RandomCheckpointHoldsExactlyTheModelsTensors) {
  for (const std::string& variant : kModelVariants) {
    const ModelConfig config = load_model_config(model_fixture(variant));
    const TrOCRModel model = build_model(config, random_checkpoint(config, 7), variant);
    EXPECT_TRUE(model.warnings.empty()) << variant << ": " << model.warnings.front();
  }
}

TEST(BenchArch, SameSeedSameWeights) {
  const ModelConfig config = load_model_config(model_fixture("deit-trocr"));
  const TensorMap a = random_checkpoint(config, 3), b = random_checkpoint(config, 3);
  const TensorMap c = random_checkpoint(config, 4);
  const std::string name = "decoder.model.decoder.layers.0.fc1.weight";
  EXPECT_TRUE(mx::array_equal(a.at(name), b.at(name)).item<bool>());
  EXPECT_FALSE(mx::array_equal(a.at(name), c.at(name)).item<bool>());
}

TEST(BenchCounts, EncoderFlopsByHand) {
  // trocr-base: 577 tokens of width 768, 12 layers, feed-forward 3072, 576 patches of 3x16x16.
  const ModelConfig base = parse_model_config(builtin_arch_config("trocr-base"), "base");
  const double s = 577, h = 768, f = 3072;
  const double layer = 8 * s * h * h + 4 * s * s * h + 4 * s * h * f;
  EXPECT_DOUBLE_EQ(encoder_flops_per_image(base), 2.0 * 576 * 768 * 768 + 12 * layer);
  EXPECT_NEAR(encoder_flops_per_image(base) / 1e9, 110.5, 0.5);
}

TEST(BenchCounts, DecoderWeightBytesPerToken) {
  const ModelConfig config = load_model_config(model_fixture("deit-trocr"));
  const TrOCRModel model = load_model(model_fixture("deit-trocr"));
  const double d = config.decoder.d_model, ffn = config.decoder.decoder_ffn_dim;
  const double per_layer = (3 * d * d + 3 * d) + (d * d + d)   // self-attention q/k/v, out
                           + 2 * (d * d + d)                   // cross-attention q, out
                           + (d * ffn + ffn) + (ffn * d + d);  // fc1, fc2
  const double expected = 4 * (config.decoder.decoder_layers * per_layer +
                               config.decoder.vocab_size * d);  // + output projection
  EXPECT_DOUBLE_EQ(decoder_weight_bytes_per_token(model), expected);
}

TEST(BenchMachine, MeasurementsArePositive) {
  EXPECT_GT(measure_sgemm_gflops(64, 0.0), 0.0);
  EXPECT_GT(measure_read_bandwidth_gbs(1 << 20, 0.0), 0.0);
  EXPECT_GT(peak_rss_bytes(), 1u << 20);
  EXPECT_NE(blas_library(), "");
}

}  // namespace
}  // namespace mlxocr
