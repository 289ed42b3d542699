// config.json values beyond the documented ranges (ConfigLimits) are refused with a LimitError
// that names the file, the field and the range, before anything is sized from them: absurd
// layer counts, positions or image sizes used to abort in bad_alloc, crash while building a
// position table, overflow an int, or be truncated to a small value (2^32 + 32 read as 32).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/file_util.h"
#include "generate/generation_config.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"
#include "model/config.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json fixture_config(const std::string& variant) {
  std::ifstream in(testing::model_fixture(variant) / "config.json");
  return json::parse(in);
}

// The LimitError parse_model_config throws for `config` (fails the test for anything else).
LimitError limit_error(const json& config) {
  try {
    parse_model_config(config, "dir/config.json");
  } catch (const LimitError& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a LimitError, got: " << e.what();
    return LimitError("", "", "", "");
  }
  ADD_FAILURE() << "expected a LimitError, the config was accepted";
  return LimitError("", "", "", "");
}

struct Case {
  const char* part;
  const char* key;
  json value;
  const char* field;  // as LimitError::field() gives it
  const char* limit;
};

TEST(ConfigLimits, AbsurdSizesAreRefusedNamingFileFieldAndRange) {
  const json two_pow_32_plus_32 = json(4294967328ULL);
  const std::vector<Case> cases = {
      {"encoder", "num_hidden_layers", 1000000, "encoder.num_hidden_layers", "1..256"},
      {"decoder", "decoder_layers", 2000000000, "decoder.decoder_layers", "1..256"},
      {"decoder", "max_position_embeddings", 2147483647, "decoder.max_position_embeddings",
       "1..16384"},
      {"decoder", "max_position_embeddings", 0, "decoder.max_position_embeddings", "1..16384"},
      {"encoder", "image_size", two_pow_32_plus_32, "encoder.image_size", "1..8192"},
      {"encoder", "image_size", json::array({384, 4294967328ULL}), "encoder.image_size[1]",
       "1..8192"},
      {"encoder", "patch_size", json(18446744073709551615ULL), "encoder.patch_size", "1..8192"},
      {"encoder", "hidden_size", 1 << 20, "encoder.hidden_size", "1..16384"},
      {"decoder", "vocab_size", 1 << 30, "decoder.vocab_size", "1..1048576"},
      {"decoder", "decoder_ffn_dim", -4096, "decoder.decoder_ffn_dim", "1..65536"},
      {"decoder", "decoder_attention_heads", 100000, "decoder.decoder_attention_heads", "1..256"},
      {"encoder", "num_channels", 3000000, "encoder.num_channels", "1..4"},
      {"encoder", "layer_norm_eps", 0.0, "encoder.layer_norm_eps", "(0, 0.1]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.key) + " = " + c.value.dump());
    json config = fixture_config("vit-trocr");
    config[c.part][c.key] = c.value;
    const LimitError e = limit_error(config);
    EXPECT_EQ(e.file(), "dir/config.json");
    EXPECT_EQ(e.field(), c.field);
    EXPECT_EQ(e.limit(), c.limit);
    const std::string message = e.what();
    EXPECT_EQ(message.find("dir/config.json: " + std::string(c.field)), 0u) << message;
    EXPECT_NE(message.find(c.limit), std::string::npos) << message;
  }
}

TEST(ConfigLimits, AProductOfAllowedSizesIsBoundedToo) {
  // Each value alone is in range; together: 2^14 x 2^14 patches would need an attention matrix
  // of 2^28 entries per head and image.
  json config = fixture_config("vit-trocr");
  config["encoder"]["image_size"] = 8192;
  config["encoder"]["patch_size"] = 8;
  LimitError e = limit_error(config);
  EXPECT_EQ(e.field(), "encoder.image_size");
  EXPECT_NE(std::string(e.what()).find("1048576 patches"), std::string::npos) << e.what();
  // A decoder of 256 layers of width 16384 and ffn 65536: 2.7e12 parameters.
  config = fixture_config("vit-trocr");
  config["decoder"]["d_model"] = 16384;
  config["decoder"]["decoder_attention_heads"] = 16;
  config["decoder"]["decoder_layers"] = 256;
  config["decoder"]["decoder_ffn_dim"] = 65536;
  e = limit_error(config);
  EXPECT_EQ(e.field(), "parameters");
  EXPECT_EQ(e.limit(), std::to_string(1LL << 32));
}

TEST(ConfigLimits, RealCheckpointShapesAreWithinTheLimits) {
  // trocr-large-printed's sizes (the largest published TrOCR) and a ViT-huge encoder.
  json config = fixture_config("vit-trocr");
  config["encoder"].update({{"hidden_size", 1280},
                            {"num_hidden_layers", 32},
                            {"num_attention_heads", 16},
                            {"intermediate_size", 5120},
                            {"image_size", 384},
                            {"patch_size", 16}});
  config["decoder"].update({{"d_model", 1024},
                            {"decoder_layers", 12},
                            {"decoder_attention_heads", 16},
                            {"decoder_ffn_dim", 4096},
                            {"vocab_size", 50265},
                            {"max_position_embeddings", 1024}});
  config["decoder"].erase("cross_attention_hidden_size");
  const ModelConfig parsed = parse_model_config(config, "large.json");
  EXPECT_EQ(parsed.encoder.num_patches(), 576);
  EXPECT_LT(count_parameters(parsed), ConfigLimits::kMaxParameters);
}

TEST(ConfigLimits, ANumberBeyondADoubleIsAConfigErrorNamingTheFile) {
  // nlohmann's parser throws out_of_range (not parse_error) for 1e999: it used to escape as an
  // "internal error" with no file name.
  testing::TempDir dir("config-1e999");
  std::string text = testing::read_json(testing::model_fixture("vit-trocr") / "config.json").dump();
  const size_t at = text.find("\"layer_norm_eps\":");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\"huge\": 1e999, ");
  write_file_atomic(dir / "config.json", text);
  try {
    load_model_config(dir.path());
    FAIL() << "accepted 1e999";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find((dir / "config.json").string()), 0u) << message;
    EXPECT_NE(message.find("1e999"), std::string::npos) << message;
  }
}

TEST(ConfigLimits, GenerationIntegersBeyondTwoToTheSixtyTwoAreNotWrapped) {
  // 2^64 - 1 used to read as -1 and be clamped to one new token without a word.
  const fs::path dir = testing::model_fixture("vit-trocr");
  const ModelConfig model = load_model_config(dir);
  json values = resolve_stored_generation_settings(dir, model.raw);
  values["max_new_tokens"] = 18446744073709551615ULL;
  try {
    generation_config_from_settings(values, model, "generation_config.json");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("generation_config.json: \"max_new_tokens\" must be an "
                                         "integer below 2^62, got 18446744073709551615"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mlxocr
