#include "model/config.h"

#include <climits>
#include <cmath>
#include <set>

#include "core/file_util.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"

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
  // `where` is `file` or `file` + ".path.inside" (what messages start with).
  Fields(const json& object, std::string where, std::string file)
      : object_(object), where_(std::move(where)), file_(std::move(file)) {
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

  // A positive integer no larger than `most`: refused with the range otherwise.
  int bounded(const std::string& key, int fallback, int most) const {
    if (!has(key)) return fallback;
    return bounded_value(key, object_.at(key), most);
  }

  int bounded_value(const std::string& key, const json& v, int most) const {
    if (!v.is_number_integer()) fail(key, "expected an integer, got " + v.dump());
    const long long value = wide(v);
    if (value < 1 || value > most) {
      throw LimitError(file_, field(key), v.dump() + " is outside the supported range",
                       "1.." + std::to_string(most));
    }
    return static_cast<int>(value);
  }

  int integer(const std::string& key, int fallback) const {
    if (!has(key)) return fallback;
    const json& v = object_.at(key);
    if (!v.is_number_integer()) fail(key, "expected an integer, got " + v.dump());
    const long long value = wide(v);
    if (value < -1000000000LL || value > 1000000000LL) fail(key, "out of range: " + v.dump());
    return static_cast<int>(value);
  }

  double number(const std::string& key, double fallback) const {
    if (!has(key)) return fallback;
    const json& v = object_.at(key);
    if (!v.is_number()) fail(key, "expected a number, got " + v.dump());
    return v.get<double>();
  }

  // A layer norm epsilon: positive and small; 0 would divide by zero on a constant row.
  double epsilon(const std::string& key, double fallback) const {
    const double eps = number(key, fallback);
    if (!(eps > 0 && eps <= 1e-1)) {
      throw LimitError(file_, field(key), json(eps).dump() + " is outside the supported range",
                       "(0, 0.1]");
    }
    return eps;
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

  // `image_size` / `patch_size`: an int, or [height, width], each side in 1..most.
  std::pair<int, int> size_pair(const std::string& key, int fallback, int most) const {
    if (!has(key)) return {fallback, fallback};
    const json& v = object_.at(key);
    if (v.is_number_integer()) {
      const int s = bounded_value(key, v, most);
      return {s, s};
    }
    if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer()) {
      return {bounded_value(key + "[0]", v[0], most), bounded_value(key + "[1]", v[1], most)};
    }
    fail(key, "expected a positive integer or [height, width], got " + v.dump());
  }

  const std::string& where() const { return where_; }
  const std::string& file() const { return file_; }
  // "encoder.hidden_size": the key with the object's path inside the file.
  std::string field(const std::string& key) const {
    const std::string inside = where_.size() > file_.size() ? where_.substr(file_.size() + 1) : "";
    return inside.empty() ? key : inside + "." + key;
  }

 private:
  // An integer as a long long; an unsigned value beyond LLONG_MAX saturates (so it is refused as
  // out of range rather than wrapping to a negative or small number).
  static long long wide(const json& v) {
    if (v.is_number_unsigned() && v.get<unsigned long long>() > LLONG_MAX) return LLONG_MAX;
    return v.get<long long>();
  }

  const json& object_;
  std::string where_;
  std::string file_;
};

EncoderConfig parse_encoder(const json& object, const std::string& where, const std::string& file) {
  using L = ConfigLimits;
  Fields f(object, where, file);
  EncoderConfig c;
  c.model_type = f.string("model_type", "");
  if (!kEncoderTypes.count(c.model_type)) {
    f.fail("model_type", "unsupported encoder '" + c.model_type +
                             "' (supported encoders: " + join(kEncoderTypes) + ")");
  }
  c.hidden_size = f.bounded("hidden_size", c.hidden_size, L::kMaxWidth);
  c.num_hidden_layers = f.bounded("num_hidden_layers", c.num_hidden_layers, L::kMaxLayers);
  c.num_attention_heads = f.bounded("num_attention_heads", c.num_attention_heads, L::kMaxHeads);
  c.intermediate_size = f.bounded("intermediate_size", c.intermediate_size, L::kMaxIntermediate);
  c.hidden_act = f.activation("hidden_act", c.hidden_act);
  c.layer_norm_eps = f.epsilon("layer_norm_eps", c.layer_norm_eps);
  std::tie(c.image_height, c.image_width) = f.size_pair("image_size", 224, L::kMaxImageSide);
  std::tie(c.patch_height, c.patch_width) = f.size_pair("patch_size", 16, L::kMaxImageSide);
  c.num_channels = f.bounded("num_channels", c.num_channels, L::kMaxChannels);
  c.qkv_bias = f.boolean("qkv_bias", c.qkv_bias);
  c.pooler_output_size = f.bounded("pooler_output_size", c.hidden_size, L::kMaxWidth);
  c.pooler_act = f.activation("pooler_act", c.pooler_act);
  if (c.hidden_size % c.num_attention_heads != 0) {
    f.fail("hidden_size", std::to_string(c.hidden_size) +
                              " is not a multiple of num_attention_heads " +
                              std::to_string(c.num_attention_heads));
  }
  if (c.image_height < c.patch_height || c.image_width < c.patch_width) {
    f.fail("image_size", "smaller than patch_size");
  }
  // Both factors are at most kMaxImageSide, so the product cannot overflow an int.
  if (c.num_patches() > L::kMaxPatches) {
    throw LimitError(file, f.field("image_size"),
                     std::to_string(c.num_patches()) + " patches of " +
                         std::to_string(c.patch_height) + "x" + std::to_string(c.patch_width) +
                         " is more than the encoder's attention is allowed to take",
                     std::to_string(L::kMaxPatches) + " patches");
  }
  return c;
}

DecoderConfig parse_decoder(const json& object, const std::string& where, const std::string& file) {
  using L = ConfigLimits;
  Fields f(object, where, file);
  DecoderConfig c;
  c.model_type = f.string("model_type", "");
  if (!kDecoderTypes.count(c.model_type)) {
    f.fail("model_type", "unsupported decoder '" + c.model_type +
                             "' (supported decoders: " + join(kDecoderTypes) + ")");
  }
  c.vocab_size = f.bounded("vocab_size", c.vocab_size, L::kMaxVocabulary);
  c.d_model = f.bounded("d_model", c.d_model, L::kMaxWidth);
  c.decoder_layers = f.bounded("decoder_layers", c.decoder_layers, L::kMaxLayers);
  c.decoder_attention_heads =
      f.bounded("decoder_attention_heads", c.decoder_attention_heads, L::kMaxHeads);
  c.decoder_ffn_dim = f.bounded("decoder_ffn_dim", c.decoder_ffn_dim, L::kMaxIntermediate);
  c.activation_function = f.activation("activation_function", c.activation_function);
  c.max_position_embeddings =
      f.bounded("max_position_embeddings", c.max_position_embeddings, L::kMaxPositions);
  c.scale_embedding = f.boolean("scale_embedding", c.scale_embedding);
  c.use_learned_position_embeddings =
      f.boolean("use_learned_position_embeddings", c.use_learned_position_embeddings);
  c.layernorm_embedding = f.boolean("layernorm_embedding", c.layernorm_embedding);
  if (f.has("cross_attention_hidden_size")) {
    c.cross_attention_hidden_size = f.bounded("cross_attention_hidden_size", 0, L::kMaxWidth);
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

ConvertedFormat parse_converted_format(const json& object, const std::string& where,
                                       const std::string& file) {
  Fields f(object, where, file);
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
    Fields q(object.at("quantization"), where + ".quantization", file);
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
  Fields top(root, source, source);
  const std::string type = top.string("model_type", "");
  if (type != "vision-encoder-decoder") {
    top.fail("model_type", "expected 'vision-encoder-decoder' (a TrOCR checkpoint), got '" + type +
                               "'; supported: vision-encoder-decoder with encoder " +
                               join(kEncoderTypes) + " and decoder " + join(kDecoderTypes));
  }
  if (!top.has("encoder")) top.fail("encoder", "missing");
  if (!top.has("decoder")) top.fail("decoder", "missing");
  ModelConfig config;
  config.encoder = parse_encoder(root.at("encoder"), source + ".encoder", source);
  config.decoder = parse_decoder(root.at("decoder"), source + ".decoder", source);
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
    config.converted = parse_converted_format(root.at("mlxocr"), source + ".mlxocr", source);
  // Every factor is bounded by ConfigLimits, so the count (at most ~2^41) fits a long long.
  const long long parameters = count_parameters(config);
  if (parameters > ConfigLimits::kMaxParameters) {
    throw LimitError(source, "parameters",
                     "the sizes given describe a model of " + std::to_string(parameters) +
                         " parameters, more than mlxocr loads",
                     std::to_string(ConfigLimits::kMaxParameters));
  }
  config.raw = root;
  return config;
}

ModelConfig load_model_config(const std::filesystem::path& model_dir) {
  const auto file = model_dir / "config.json";
  const std::string text = read_file(file, 16 << 20);
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for a number beyond a double's range (1e999).
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
