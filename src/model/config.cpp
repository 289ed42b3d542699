#include "model/config.h"

#include <set>

#include "core/file_util.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

using nlohmann::json;

const std::set<std::string> kEncoderTypes = {"vit", "deit"};
const std::set<std::string> kDecoderTypes = {"trocr"};
const std::set<std::string> kActivations = {
    "gelu", "relu",  "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "quick_gelu",
    "silu", "swish", "tanh"};

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Reads optional fields of one JSON object with error messages that name the field.
class Fields {
 public:
  Fields(const json& object, std::string where) : object_(object), where_(std::move(where)) {
    if (!object_.is_object()) fail("", "expected a JSON object");
  }

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw ConfigError(where_ + (key.empty() ? "" : "." + key) + ": " + problem);
  }

  bool has(const std::string& key) const {
    return object_.contains(key) && !object_.at(key).is_null();
  }

  int positive_int(const std::string& key, int fallback) const {
    const int v = integer(key, fallback);
    if (v <= 0) fail(key, "must be positive, got " + std::to_string(v));
    return v;
  }

  int integer(const std::string& key, int fallback) const {
    if (!has(key)) return fallback;
    const json& v = object_.at(key);
    if (!v.is_number_integer()) fail(key, "expected an integer, got " + v.dump());
    const auto value = v.get<long long>();
    if (value < -1000000000LL || value > 1000000000LL) fail(key, "out of range: " + v.dump());
    return static_cast<int>(value);
  }

  double number(const std::string& key, double fallback) const {
    if (!has(key)) return fallback;
    const json& v = object_.at(key);
    if (!v.is_number()) fail(key, "expected a number, got " + v.dump());
    return v.get<double>();
  }

  bool boolean(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    const json& v = object_.at(key);
    if (!v.is_boolean()) fail(key, "expected true or false, got " + v.dump());
    return v.get<bool>();
  }

  std::string string(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const json& v = object_.at(key);
    if (!v.is_string()) fail(key, "expected a string, got " + v.dump());
    return v.get<std::string>();
  }

  std::string activation(const std::string& key, const std::string& fallback) const {
    const std::string name = string(key, fallback);
    if (!kActivations.count(name)) {
      fail(key, "unsupported activation '" + name + "' (supported: " + join(kActivations) + ")");
    }
    return name;
  }

  // `image_size` / `patch_size`: an int, or [height, width].
  std::pair<int, int> size_pair(const std::string& key, int fallback) const {
    if (!has(key)) return {fallback, fallback};
    const json& v = object_.at(key);
    if (v.is_number_integer()) {
      const int s = positive_int(key, fallback);
      return {s, s};
    }
    if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer()) {
      const int h = v[0].get<int>(), w = v[1].get<int>();
      if (h > 0 && w > 0) return {h, w};
    }
    fail(key, "expected a positive integer or [height, width], got " + v.dump());
  }

  const std::string& where() const { return where_; }

 private:
  const json& object_;
  std::string where_;
};

EncoderConfig parse_encoder(const json& object, const std::string& where) {
  Fields f(object, where);
  EncoderConfig c;
  c.model_type = f.string("model_type", "");
  if (!kEncoderTypes.count(c.model_type)) {
    f.fail("model_type", "unsupported encoder '" + c.model_type +
                             "' (supported encoders: " + join(kEncoderTypes) + ")");
  }
  c.hidden_size = f.positive_int("hidden_size", c.hidden_size);
  c.num_hidden_layers = f.positive_int("num_hidden_layers", c.num_hidden_layers);
  c.num_attention_heads = f.positive_int("num_attention_heads", c.num_attention_heads);
  c.intermediate_size = f.positive_int("intermediate_size", c.intermediate_size);
  c.hidden_act = f.activation("hidden_act", c.hidden_act);
  c.layer_norm_eps = f.number("layer_norm_eps", c.layer_norm_eps);
  std::tie(c.image_height, c.image_width) = f.size_pair("image_size", 224);
  std::tie(c.patch_height, c.patch_width) = f.size_pair("patch_size", 16);
  c.num_channels = f.positive_int("num_channels", c.num_channels);
  c.qkv_bias = f.boolean("qkv_bias", c.qkv_bias);
  c.pooler_output_size = f.positive_int("pooler_output_size", c.hidden_size);
  c.pooler_act = f.activation("pooler_act", c.pooler_act);
  if (c.hidden_size % c.num_attention_heads != 0) {
    f.fail("hidden_size", std::to_string(c.hidden_size) +
                              " is not a multiple of num_attention_heads " +
                              std::to_string(c.num_attention_heads));
  }
  if (c.image_height < c.patch_height || c.image_width < c.patch_width) {
    f.fail("image_size", "smaller than patch_size");
  }
  return c;
}

DecoderConfig parse_decoder(const json& object, const std::string& where) {
  Fields f(object, where);
  DecoderConfig c;
  c.model_type = f.string("model_type", "");
  if (!kDecoderTypes.count(c.model_type)) {
    f.fail("model_type", "unsupported decoder '" + c.model_type +
                             "' (supported decoders: " + join(kDecoderTypes) + ")");
  }
  c.vocab_size = f.positive_int("vocab_size", c.vocab_size);
  c.d_model = f.positive_int("d_model", c.d_model);
  c.decoder_layers = f.positive_int("decoder_layers", c.decoder_layers);
  c.decoder_attention_heads = f.positive_int("decoder_attention_heads", c.decoder_attention_heads);
  c.decoder_ffn_dim = f.positive_int("decoder_ffn_dim", c.decoder_ffn_dim);
  c.activation_function = f.activation("activation_function", c.activation_function);
  c.max_position_embeddings = f.positive_int("max_position_embeddings", c.max_position_embeddings);
  c.scale_embedding = f.boolean("scale_embedding", c.scale_embedding);
  c.use_learned_position_embeddings =
      f.boolean("use_learned_position_embeddings", c.use_learned_position_embeddings);
  c.layernorm_embedding = f.boolean("layernorm_embedding", c.layernorm_embedding);
  if (f.has("cross_attention_hidden_size")) {
    c.cross_attention_hidden_size = f.positive_int("cross_attention_hidden_size", 0);
  }
  c.tie_word_embeddings = f.boolean("tie_word_embeddings", c.tie_word_embeddings);
  c.pad_token_id = f.integer("pad_token_id", c.pad_token_id);
  c.bos_token_id = f.integer("bos_token_id", c.bos_token_id);
  c.eos_token_id = f.integer("eos_token_id", c.eos_token_id);
  c.decoder_start_token_id = f.integer("decoder_start_token_id", c.decoder_start_token_id);
  if (c.d_model % c.decoder_attention_heads != 0) {
    f.fail("d_model", std::to_string(c.d_model) + " is not a multiple of decoder_attention_heads " +
                          std::to_string(c.decoder_attention_heads));
  }
  for (const auto& [key, id] : {std::pair{"pad_token_id", c.pad_token_id},
                                {"eos_token_id", c.eos_token_id},
                                {"decoder_start_token_id", c.decoder_start_token_id}}) {
    if (id < 0 || id >= c.vocab_size) {
      f.fail(key, std::to_string(id) + " is outside the vocabulary [0, " +
                      std::to_string(c.vocab_size) + ")");
    }
  }
  return c;
}

const std::set<std::string> kConvertedDtypes = {"float32", "float16", "bfloat16"};

ConvertedFormat parse_converted_format(const json& object, const std::string& where) {
  Fields f(object, where);
  ConvertedFormat c;
  c.format_version = f.positive_int("format_version", 0);
  if (c.format_version > kConvertedFormatVersion) {
    f.fail("format_version", "this folder was converted by a newer mlxocr (format " +
                                 std::to_string(c.format_version) + "); this build reads format " +
                                 std::to_string(kConvertedFormatVersion) +
                                 ": update mlxocr or convert the model again");
  }
  c.dtype = f.string("dtype", "");
  if (!kConvertedDtypes.count(c.dtype)) {
    f.fail("dtype", "expected one of " + join(kConvertedDtypes) + ", got '" + c.dtype + "'");
  }
  c.source = f.string("source", "");
  if (f.has("quantization")) {
    Fields q(object.at("quantization"), where + ".quantization");
    QuantizationConfig quantization;
    quantization.bits = q.positive_int("bits", 0);
    quantization.group_size = q.positive_int("group_size", 0);
    quantization.encoder = q.boolean("encoder", false);
    if (quantization.bits != 4 && quantization.bits != 8) q.fail("bits", "expected 4 or 8");
    if (quantization.group_size != 32 && quantization.group_size != 64 &&
        quantization.group_size != 128) {
      q.fail("group_size", "expected 32, 64 or 128");
    }
    if (q.has("skipped")) {
      const json& skipped = object.at("quantization").at("skipped");
      if (!skipped.is_array()) q.fail("skipped", "expected a list of layer names");
      for (const json& name : skipped) {
        if (!name.is_string()) q.fail("skipped", "expected a list of layer names");
        quantization.skipped.push_back(name.get<std::string>());
      }
    }
    c.quantization = quantization;
  }
  return c;
}

}  // namespace

json converted_format_json(const ConvertedFormat& format) {
  json j = {{"format_version", format.format_version},
            {"dtype", format.dtype},
            {"weights", kConvertedWeightsFile},
            {"source", format.source},
            {"quantization", nullptr}};
  if (format.quantization) {
    const QuantizationConfig& q = *format.quantization;
    j["quantization"] = {{"mode", "affine"},
                         {"bits", q.bits},
                         {"group_size", q.group_size},
                         {"encoder", q.encoder},
                         {"skipped", q.skipped}};
  }
  return j;
}

ModelConfig parse_model_config(const json& root, const std::string& source) {
  Fields top(root, source);
  const std::string type = top.string("model_type", "");
  if (type != "vision-encoder-decoder") {
    top.fail("model_type", "expected 'vision-encoder-decoder' (a TrOCR checkpoint), got '" + type +
                               "'; supported: vision-encoder-decoder with encoder " +
                               join(kEncoderTypes) + " and decoder " + join(kDecoderTypes));
  }
  if (!top.has("encoder")) top.fail("encoder", "missing");
  if (!top.has("decoder")) top.fail("decoder", "missing");
  ModelConfig config;
  config.encoder = parse_encoder(root.at("encoder"), source + ".encoder");
  config.decoder = parse_decoder(root.at("decoder"), source + ".decoder");
  const auto& cross = config.decoder.cross_attention_hidden_size;
  if (cross && *cross != config.encoder.hidden_size) {
    // transformers refuses this combination too.
    top.fail("decoder.cross_attention_hidden_size", std::to_string(*cross) +
                                                        " must equal encoder.hidden_size " +
                                                        std::to_string(config.encoder.hidden_size));
  }
  config.has_enc_to_dec_proj = config.encoder.hidden_size != config.decoder.d_model && !cross;
  config.decoder_start_token_id =
      top.integer("decoder_start_token_id", config.decoder.decoder_start_token_id);
  config.pad_token_id = top.integer("pad_token_id", config.decoder.pad_token_id);
  config.eos_token_id = top.integer("eos_token_id", config.decoder.eos_token_id);
  if (top.has("mlxocr"))
    config.converted = parse_converted_format(root.at("mlxocr"), source + ".mlxocr");
  config.raw = root;
  return config;
}

ModelConfig load_model_config(const std::filesystem::path& model_dir) {
  const auto file = model_dir / "config.json";
  const std::string text = read_file(file, 16 << 20);
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
    throw ConfigError(file.string() + ": malformed JSON: " + e.what());
  }
  return parse_model_config(root, file.string());
}

long long count_parameters(const ModelConfig& config) {
  const auto linear = [](long long in, long long out, bool bias) {
    return in * out + (bias ? out : 0);
  };
  const long long layer_norm_params = 2;
  const EncoderConfig& e = config.encoder;
  const long long h = e.hidden_size;
  long long encoder = 0;
  encoder += h * (e.has_distillation_token() ? 2 : 1);         // cls (+ dist)
  encoder += static_cast<long long>(e.sequence_length()) * h;  // positions
  encoder += linear(1LL * e.num_channels * e.patch_height * e.patch_width, h, true);  // patches
  const long long encoder_layer = 3 * linear(h, h, e.qkv_bias) + linear(h, h, true) +
                                  linear(h, e.intermediate_size, true) +
                                  linear(e.intermediate_size, h, true) + 2 * layer_norm_params * h;
  encoder += e.num_hidden_layers * encoder_layer + layer_norm_params * h;
  encoder += linear(h, e.pooler_output_size, true);

  const DecoderConfig& d = config.decoder;
  const long long m = d.d_model;
  const long long kv_in = config.cross_attention_input_size();
  long long decoder = 1LL * d.vocab_size * m;  // embed_tokens
  if (d.use_learned_position_embeddings) decoder += (d.max_position_embeddings + 2LL) * m;
  if (d.layernorm_embedding) decoder += layer_norm_params * m;
  const long long decoder_layer = 4 * linear(m, m, true) +                               // self
                                  2 * linear(m, m, true) + 2 * linear(kv_in, m, true) +  // cross
                                  linear(m, d.decoder_ffn_dim, true) +
                                  linear(d.decoder_ffn_dim, m, true) + 3 * layer_norm_params * m;
  decoder += d.decoder_layers * decoder_layer;
  if (!d.tie_word_embeddings) decoder += 1LL * d.vocab_size * m;  // output_projection

  long long projection = config.has_enc_to_dec_proj ? linear(h, m, true) : 0;
  return encoder + decoder + projection;
}

}  // namespace mlxocr
