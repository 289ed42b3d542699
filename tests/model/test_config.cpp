#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/file_util.h"
#include "mlxocr/error.h"
#include "model/config.h"
#include "model/model.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json fixture_config(const std::string& variant) {
  std::ifstream in(testing::model_fixture(variant) / "config.json");
  return json::parse(in);
}

// The message of the ConfigError `f` throws (fails the test if it throws nothing).
template <typename F>
std::string config_error(F f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return "";
}

TEST(Config, ParsesEveryVariantAsTransformersDefines) {
  const ModelConfig vit = load_model_config(testing::model_fixture("vit-trocr"));
  EXPECT_EQ(vit.encoder.model_type, "vit");
  EXPECT_FALSE(vit.encoder.qkv_bias);
  EXPECT_EQ(vit.encoder.sequence_length(), 17);
  EXPECT_FALSE(vit.decoder.use_learned_position_embeddings);
  EXPECT_TRUE(vit.decoder.scale_embedding);
  EXPECT_EQ(vit.decoder.cross_attention_hidden_size, 32);
  EXPECT_FALSE(vit.has_enc_to_dec_proj);

  const ModelConfig deit = load_model_config(testing::model_fixture("deit-trocr"));
  EXPECT_TRUE(deit.encoder.has_distillation_token());
  EXPECT_EQ(deit.encoder.sequence_length(), 18);
  EXPECT_TRUE(deit.decoder.layernorm_embedding);

  const ModelConfig odd = load_model_config(testing::model_fixture("odd"));
  EXPECT_EQ(odd.encoder.image_height, 16);
  EXPECT_EQ(odd.encoder.image_width, 48);
  EXPECT_EQ(odd.decoder.activation_function, "gelu");
  EXPECT_TRUE(odd.decoder.tie_word_embeddings);  // absent from the file: transformers' default
  EXPECT_TRUE(odd.has_enc_to_dec_proj);
  EXPECT_EQ(odd.cross_attention_input_size(), 40);
}

TEST(Config, UnknownModelTypesListWhatIsSupported) {
  json config = fixture_config("vit-trocr");
  config["encoder"]["model_type"] = "swin";
  std::string message = config_error([&] { parse_model_config(config, "config.json"); });
  EXPECT_NE(message.find("config.json.encoder.model_type"), std::string::npos) << message;
  EXPECT_NE(message.find("'swin'"), std::string::npos) << message;
  EXPECT_NE(message.find("deit, vit"), std::string::npos) << message;

  config = fixture_config("vit-trocr");
  config["decoder"]["model_type"] = "gpt2";
  message = config_error([&] { parse_model_config(config, "config.json"); });
  EXPECT_NE(message.find("unsupported decoder 'gpt2'"), std::string::npos) << message;
  EXPECT_NE(message.find("trocr"), std::string::npos) << message;

  config["model_type"] = "bert";
  message = config_error([&] { parse_model_config(config, "config.json"); });
  EXPECT_NE(message.find("vision-encoder-decoder"), std::string::npos) << message;
}

TEST(Config, WrongFieldTypesAndValuesNameTheField) {
  json config = fixture_config("deit-trocr");
  config["decoder"]["d_model"] = "wide";
  EXPECT_NE(
      config_error([&] { parse_model_config(config, "c.json"); }).find("c.json.decoder.d_model"),
      std::string::npos);
  config = fixture_config("deit-trocr");
  config["encoder"]["image_size"] = json::array({16});
  EXPECT_NE(config_error([&] { parse_model_config(config, "c.json"); }).find("image_size"),
            std::string::npos);
  config = fixture_config("deit-trocr");
  config["encoder"]["num_attention_heads"] = 5;  // 32 is not a multiple of 5
  EXPECT_NE(config_error([&] { parse_model_config(config, "c.json"); }).find("multiple"),
            std::string::npos);
  config = fixture_config("deit-trocr");
  config["decoder"]["activation_function"] = "mish";
  EXPECT_NE(config_error([&] { parse_model_config(config, "c.json"); }).find("'mish'"),
            std::string::npos);
  config = fixture_config("deit-trocr");
  config["decoder"]["eos_token_id"] = 5000;
  EXPECT_NE(
      config_error([&] { parse_model_config(config, "c.json"); }).find("outside the vocabulary"),
      std::string::npos);
  config = fixture_config("deit-trocr");
  config["decoder"]["cross_attention_hidden_size"] = 64;  // transformers refuses this too
  EXPECT_NE(config_error([&] { parse_model_config(config, "c.json"); }).find("must equal"),
            std::string::npos);
}

TEST(Config, MalformedJsonNamesTheFile) {
  const fs::path dir = fs::temp_directory_path() / "mlxocr_config_malformed";
  fs::remove_all(dir);
  write_file_atomic(dir / "config.json", "{\"model_type\": \"vision-encoder-decoder\", ");
  const std::string message = config_error([&] { load_model_config(dir); });
  EXPECT_NE(message.find((dir / "config.json").string()), std::string::npos) << message;
  EXPECT_NE(message.find("malformed JSON"), std::string::npos) << message;
  // A number beyond double is nlohmann's out_of_range, not its parse_error: it escaped as an
  // "internal error" without the file's name (found by fuzz/preprocessor_config.cpp).
  write_file_atomic(dir / "config.json", "{\"encoder\": {\"layer_norm_eps\": 1e400}}");
  const std::string overflow = config_error([&] { load_model_config(dir); });
  EXPECT_NE(overflow.find((dir / "config.json").string() + ": malformed JSON"), std::string::npos)
      << overflow;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mlxocr
