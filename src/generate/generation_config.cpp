#include "generate/generation_config.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "core/file_util.h"
#include "mlxocr/error.h"
#include "model/config.h"

namespace mlxocr {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// transformers' GenerationConfig defaults of the settings mlxocr implements.
const json& implemented_defaults() {
  static const json defaults = {
      {"max_length", 20},
      {"max_new_tokens", nullptr},
      {"min_length", 0},
      {"min_new_tokens", nullptr},
      {"do_sample", false},
      {"early_stopping", false},
      {"num_beams", 1},
      {"temperature", 1.0},
      {"top_k", 50},
      {"top_p", 1.0},
      {"repetition_penalty", 1.0},
      {"length_penalty", 1.0},
      {"no_repeat_ngram_size", 0},
      {"bad_words_ids", nullptr},
      {"num_return_sequences", 1},
      {"decoder_start_token_id", nullptr},
      {"bos_token_id", nullptr},
      {"eos_token_id", nullptr},
      {"pad_token_id", nullptr},
  };
  return defaults;
}

// Settings transformers would act on that mlxocr does not implement, with their defaults: a
// stored non-default value gets a note instead of being silently ignored.
const json& unimplemented_defaults() {
  static const json defaults = {
      {"num_beam_groups", 1},
      {"diversity_penalty", 0.0},
      {"typical_p", 1.0},
      {"encoder_repetition_penalty", 1.0},
      {"encoder_no_repeat_ngram_size", 0},
      {"forced_bos_token_id", nullptr},
      {"forced_eos_token_id", nullptr},
      {"remove_invalid_values", false},
      {"exponential_decay_length_penalty", nullptr},
      {"suppress_tokens", nullptr},
      {"begin_suppress_tokens", nullptr},
      {"min_p", nullptr},
      {"epsilon_cutoff", 0.0},
      {"eta_cutoff", 0.0},
      {"sequence_bias", nullptr},
      {"renormalize_logits", false},
      {"penalty_alpha", nullptr},
      {"constraints", nullptr},
      {"force_words_ids", nullptr},
      {"guidance_scale", nullptr},
      {"max_time", nullptr},
      {"stop_strings", nullptr},
  };
  return defaults;
}

// PretrainedConfig._get_global_generation_defaults: the keys whose non-default value in
// config.json sends generate() back to the model config (legacy path).
const std::vector<std::string>& legacy_generation_keys() {
  static const std::vector<std::string> keys = {"max_length",
                                                "min_length",
                                                "do_sample",
                                                "early_stopping",
                                                "num_beams",
                                                "num_beam_groups",
                                                "diversity_penalty",
                                                "temperature",
                                                "top_k",
                                                "top_p",
                                                "typical_p",
                                                "repetition_penalty",
                                                "length_penalty",
                                                "no_repeat_ngram_size",
                                                "encoder_no_repeat_ngram_size",
                                                "bad_words_ids",
                                                "num_return_sequences",
                                                "output_scores",
                                                "return_dict_in_generate",
                                                "forced_bos_token_id",
                                                "forced_eos_token_id",
                                                "remove_invalid_values",
                                                "exponential_decay_length_penalty",
                                                "suppress_tokens",
                                                "begin_suppress_tokens"};
  return keys;
}

// TrOCRConfig's own defaults for the special tokens: what transformers sees in the decoder
// sub-config when config.json leaves them out.
const json& trocr_token_defaults() {
  static const json defaults = {
      {"pad_token_id", 1}, {"bos_token_id", 0}, {"eos_token_id", 2}, {"decoder_start_token_id", 2}};
  return defaults;
}

json all_defaults() {
  json all = implemented_defaults();
  all.update(unimplemented_defaults());
  return all;
}

json read_json(const fs::path& file) {
  try {
    return json::parse(read_file(file, 1 << 20));
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
    throw ConfigError(file.string() + ": malformed JSON: " + e.what());
  }
}

// GenerationConfig.from_model_config: top-level keys (nulls dropped), then the decoder
// sub-config's values for keys still at their defaults.
json settings_from_model_config(const json& model_json) {
  const json defaults = all_defaults();
  json settings = defaults;
  for (auto& [key, value] : settings.items()) {
    if (model_json.contains(key) && !model_json[key].is_null()) value = model_json[key];
  }
  json decoder = json::object();
  if (model_json.contains("decoder") && model_json["decoder"].is_object()) {
    decoder = model_json["decoder"];
  }
  for (auto& [key, value] : settings.items()) {
    if (value != defaults[key]) continue;
    if (decoder.contains(key)) {
      value = decoder[key];
    } else if (trocr_token_defaults().contains(key)) {
      value = trocr_token_defaults()[key];
    }
  }
  return settings;
}

// config.json sets a generation parameter to something other than transformers' default.
bool model_config_sets_generation(const json& model_json) {
  const json defaults = all_defaults();
  for (const std::string& key : legacy_generation_keys()) {
    if (!model_json.contains(key) || model_json[key].is_null()) continue;
    const json fallback = defaults.contains(key) ? defaults[key] : json(false);
    if (model_json[key] != fallback) return true;
  }
  return false;
}

// Typed access to one resolved setting, with errors naming the source and the key.
class Settings {
 public:
  Settings(const json& values, std::string source) : values_(values), source_(std::move(source)) {}

  bool is_null(const std::string& key) const {
    return !values_.contains(key) || values_[key].is_null();
  }
  long long integer(const std::string& key) const {
    const json& v = values_.at(key);
    if (!v.is_number_integer()) fail(key, "an integer", v);
    return v.get<long long>();
  }
  double number(const std::string& key) const {
    const json& v = values_.at(key);
    if (!v.is_number()) fail(key, "a number", v);
    return v.get<double>();
  }
  bool boolean(const std::string& key) const {
    const json& v = values_.at(key);
    if (!v.is_boolean()) fail(key, "true or false", v);
    return v.get<bool>();
  }
  std::vector<int> ids(const std::string& key) const {  // an id or a list of ids
    const json& v = values_.at(key);
    std::vector<int> out;
    if (v.is_number_integer()) {
      out.push_back(checked_int(key, v));
    } else if (v.is_array() && !v.empty()) {
      for (const json& id : v) {
        if (!id.is_number_integer()) fail(key, "an integer or a list of integers", v);
        out.push_back(checked_int(key, id));
      }
    } else {
      fail(key, "an integer or a list of integers", v);
    }
    return out;
  }
  std::vector<std::vector<int>> id_lists(const std::string& key) const {
    const json& v = values_.at(key);
    std::vector<std::vector<int>> out;
    if (!v.is_array()) fail(key, "a list of lists of token ids", v);
    for (const json& sequence : v) {
      if (!sequence.is_array()) fail(key, "a list of lists of token ids", v);
      std::vector<int> ids;
      for (const json& id : sequence) {
        if (!id.is_number_integer()) fail(key, "a list of lists of token ids", v);
        ids.push_back(checked_int(key, id));
      }
      out.push_back(std::move(ids));
    }
    return out;
  }
  EarlyStopping early_stopping(const std::string& key) const {
    const json& v = values_.at(key);
    if (v.is_boolean()) return v.get<bool>() ? EarlyStopping::kTrue : EarlyStopping::kFalse;
    if (v.is_string() && v.get<std::string>() == "never") return EarlyStopping::kNever;
    fail(key, "true, false or \"never\"", v);
  }

 private:
  int checked_int(const std::string& key, const json& v) const {
    const long long value = v.get<long long>();
    if (value < -(1LL << 30) || value > (1LL << 30)) fail(key, "a token id", v);
    return static_cast<int>(value);
  }
  [[noreturn]] void fail(const std::string& key, const std::string& expected,
                         const json& got) const {
    throw ConfigError(source_ + ": \"" + key + "\" must be " + expected + ", got " + got.dump());
  }

  const json& values_;
  std::string source_;
};

int clamp_int(long long value) {
  return static_cast<int>(std::clamp<long long>(value, -(1LL << 30), 1LL << 30));
}

}  // namespace

std::string to_string(EarlyStopping value) {
  switch (value) {
    case EarlyStopping::kTrue:
      return "true";
    case EarlyStopping::kNever:
      return "never";
    case EarlyStopping::kFalse:
      break;
  }
  return "false";
}

EarlyStopping parse_early_stopping(const std::string& text, const std::string& what) {
  if (text == "true") return EarlyStopping::kTrue;
  if (text == "false") return EarlyStopping::kFalse;
  if (text == "never") return EarlyStopping::kNever;
  throw UsageError(what + " must be true, false or never, got \"" + text + "\"");
}

json resolve_stored_generation_settings(const fs::path& model_dir, const json& model_json) {
  const fs::path file = model_dir / "generation_config.json";
  if (!fs::exists(file)) return settings_from_model_config(model_json);
  const json stored = read_json(file);
  if (!stored.is_object()) throw ConfigError(file.string() + ": expected a JSON object");
  const bool derived = stored.contains("_from_model_config") &&
                       stored["_from_model_config"].is_boolean() &&
                       stored["_from_model_config"].get<bool>();
  if (derived && model_config_sets_generation(model_json)) {
    return settings_from_model_config(model_json);
  }
  json settings = all_defaults();
  for (auto& [key, value] : settings.items()) {
    if (stored.contains(key)) value = stored[key];
  }
  return settings;
}

GenerationConfig generation_config_from_settings(const json& values, const ModelConfig& model,
                                                 const std::string& source) {
  const Settings s(values, source);
  GenerationConfig config;
  const int most = std::max(1, model.decoder.max_position_embeddings - 1);
  const auto cap = [&](long long wanted, const std::string& why) {
    if (wanted > most) {
      config.max_new_tokens_note = source + ": " + why + " asks for " + std::to_string(wanted) +
                                   " new tokens; the decoder has positions for " +
                                   std::to_string(most) + " (max_position_embeddings - 1)";
    }
    return static_cast<int>(std::clamp<long long>(wanted, 1, most));
  };
  if (!s.is_null("max_new_tokens")) {
    config.max_new_tokens = cap(s.integer("max_new_tokens"), "max_new_tokens");
  } else if (!s.is_null("max_length") && s.integer("max_length") > 20) {
    config.max_new_tokens = cap(s.integer("max_length") - 1, "max_length");
  } else {
    config.max_new_tokens = std::min(128, most);
    // max_length 20 is transformers' default, stored by every checkpoint that never set it; a
    // smaller one was chosen by someone, so say that it is not used.
    if (!s.is_null("max_length") && s.integer("max_length") < 20) {
      config.max_new_tokens_note = source + ": max_length " +
                                   std::to_string(s.integer("max_length")) +
                                   " would cut long fields; not used: at most " +
                                   std::to_string(config.max_new_tokens) + " new tokens";
    }
  }
  if (!s.is_null("min_new_tokens")) {
    config.min_new_tokens = clamp_int(s.integer("min_new_tokens"));
  } else if (!s.is_null("min_length")) {
    config.min_new_tokens = clamp_int(std::max(0LL, s.integer("min_length") - 1));
  }
  if (!s.is_null("num_beams")) config.num_beams = clamp_int(s.integer("num_beams"));
  if (!s.is_null("length_penalty")) config.length_penalty = s.number("length_penalty");
  if (!s.is_null("early_stopping")) config.early_stopping = s.early_stopping("early_stopping");
  if (!s.is_null("num_return_sequences")) {
    config.num_return_sequences = clamp_int(s.integer("num_return_sequences"));
  }
  if (!s.is_null("do_sample")) config.do_sample = s.boolean("do_sample");
  if (!s.is_null("temperature")) config.temperature = s.number("temperature");
  if (!s.is_null("top_k")) config.top_k = clamp_int(s.integer("top_k"));
  if (!s.is_null("top_p")) config.top_p = s.number("top_p");
  if (!s.is_null("no_repeat_ngram_size")) {
    config.no_repeat_ngram_size = clamp_int(s.integer("no_repeat_ngram_size"));
  }
  if (!s.is_null("repetition_penalty")) config.repetition_penalty = s.number("repetition_penalty");
  if (!s.is_null("bad_words_ids")) config.bad_words_ids = s.id_lists("bad_words_ids");
  if (!s.is_null("decoder_start_token_id")) {
    config.decoder_start_token_id = s.ids("decoder_start_token_id").front();
  }
  if (!s.is_null("eos_token_id")) config.eos_token_ids = s.ids("eos_token_id");
  if (!s.is_null("pad_token_id")) config.pad_token_id = s.ids("pad_token_id").front();
  for (const auto& [key, fallback] : unimplemented_defaults().items()) {
    if (values.contains(key) && !values[key].is_null() && values[key] != fallback) {
      config.notes.push_back(source + " sets " + key + " = " + values[key].dump() +
                             ", which mlxocr does not implement; ignored");
    }
  }
  return config;
}

GenerationConfig load_generation_config(const fs::path& model_dir, const ModelConfig& model) {
  const json settings = resolve_stored_generation_settings(model_dir, model.raw);
  const fs::path file = model_dir / "generation_config.json";
  return generation_config_from_settings(
      settings, model, (fs::exists(file) ? file : model_dir / "config.json").string());
}

void apply_generate_kwargs(GenerationConfig& config, const json& kwargs,
                           const std::string& source) {
  if (!kwargs.is_object()) throw ConfigError(source + ": generate() arguments must be an object");
  const Settings s(kwargs, source);
  for (const auto& [key, value] : kwargs.items()) {
    if (key == "max_new_tokens") {
      config.max_new_tokens = clamp_int(s.integer(key));
    } else if (key == "min_new_tokens") {
      config.min_new_tokens = clamp_int(s.integer(key));
    } else if (key == "num_beams") {
      config.num_beams = clamp_int(s.integer(key));
    } else if (key == "length_penalty") {
      config.length_penalty = s.number(key);
    } else if (key == "early_stopping") {
      config.early_stopping = s.early_stopping(key);
    } else if (key == "num_return_sequences") {
      config.num_return_sequences = clamp_int(s.integer(key));
    } else if (key == "do_sample") {
      config.do_sample = s.boolean(key);
    } else if (key == "temperature") {
      config.temperature = s.number(key);
    } else if (key == "top_k") {
      config.top_k = clamp_int(s.integer(key));
    } else if (key == "top_p") {
      config.top_p = s.number(key);
    } else if (key == "seed") {
      config.seed = static_cast<std::uint64_t>(s.integer(key));
    } else if (key == "no_repeat_ngram_size") {
      config.no_repeat_ngram_size = clamp_int(s.integer(key));
    } else if (key == "repetition_penalty") {
      config.repetition_penalty = s.number(key);
    } else if (key == "bad_words_ids") {
      config.bad_words_ids = value.is_null() ? std::vector<std::vector<int>>{} : s.id_lists(key);
    } else if (key == "decoder_start_token_id") {
      config.decoder_start_token_id = s.ids(key).front();
    } else if (key == "eos_token_id") {
      config.eos_token_ids = s.ids(key);
    } else if (key == "pad_token_id") {
      config.pad_token_id = s.ids(key).front();
    } else {
      throw ConfigError(source + ": unknown generation setting \"" + key + "\"");
    }
  }
}

int decoder_start_token(const GenerationConfig& config, const ModelConfig& model) {
  return config.decoder_start_token_id >= 0 ? config.decoder_start_token_id
                                            : model.decoder_start_token_id;
}

std::vector<int> eos_tokens(const GenerationConfig& config, const ModelConfig& model) {
  return config.eos_token_ids.empty() ? std::vector<int>{model.eos_token_id} : config.eos_token_ids;
}

namespace {

void fail(const std::string& message) {
  throw UsageError(message);
}

template <typename T>
std::string text(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", static_cast<double>(value));
    return buffer;
  } else {
    return std::to_string(value);
  }
}

}  // namespace

void validate_generation_settings(const GenerationConfig& c) {
  constexpr int kMostBeams = 64, kMostSequences = 64, kMostBadWords = 4096;
  if (c.max_new_tokens < 1)
    fail("max_new_tokens must be at least 1, got " + text(c.max_new_tokens));
  if (c.min_new_tokens < 0) fail("min_new_tokens must be 0 or more, got " + text(c.min_new_tokens));
  if (c.num_beams < 1 || c.num_beams > kMostBeams) {
    fail("num_beams must be between 1 and " + text(kMostBeams) + ", got " + text(c.num_beams));
  }
  if (c.num_return_sequences < 1 || c.num_return_sequences > kMostSequences) {
    fail("num_return_sequences must be between 1 and " + text(kMostSequences) + ", got " +
         text(c.num_return_sequences));
  }
  if (c.num_beams > 1 && c.num_return_sequences > c.num_beams) {
    fail("num_return_sequences " + text(c.num_return_sequences) + " is more than num_beams " +
         text(c.num_beams) + ": beam search returns at most num_beams hypotheses");
  }
  if (c.num_beams == 1 && !c.do_sample && c.num_return_sequences > 1) {
    fail("greedy search gives one sequence; for num_return_sequences " +
         text(c.num_return_sequences) + " use num_beams >= " + text(c.num_return_sequences) +
         " or sampling");
  }
  if (!std::isfinite(c.length_penalty)) fail("length_penalty must be a finite number");
  if (!(c.repetition_penalty > 0) || !std::isfinite(c.repetition_penalty)) {
    fail("repetition_penalty must be a positive number (1 = off), got " +
         text(c.repetition_penalty));
  }
  if (c.no_repeat_ngram_size < 0) {
    fail("no_repeat_ngram_size must be 0 (off) or more, got " + text(c.no_repeat_ngram_size));
  }
  if (c.do_sample) {
    if (!(c.temperature > 0) || !std::isfinite(c.temperature)) {
      fail("temperature must be a positive number, got " + text(c.temperature) +
           " (for greedy decoding leave sampling off)");
    }
    if (c.top_k < 0) fail("top_k must be 0 (off) or more, got " + text(c.top_k));
    if (!(c.top_p > 0 && c.top_p <= 1)) {
      fail("top_p must be in (0, 1] (1 = off), got " + text(c.top_p));
    }
  }
  if (c.bad_words_ids.size() > kMostBadWords) fail("too many bad_words_ids sequences");
}

void validate_generation_config(const GenerationConfig& c, const ModelConfig& model) {
  validate_generation_settings(c);
  const int positions = model.decoder.max_position_embeddings;
  const int vocab = model.decoder.vocab_size;
  if (c.max_new_tokens > positions - 1) {
    fail("max_new_tokens " + text(c.max_new_tokens) +
         " is more than the decoder has positions for (max_position_embeddings " + text(positions) +
         ", the start token included: at most " + text(positions - 1) + ")");
  }
  const auto check_id = [&](int id, const std::string& what) {
    if (id < 0 || id >= vocab) {
      fail(what + " " + text(id) + " is outside the vocabulary (0.." + text(vocab - 1) + ")");
    }
  };
  check_id(decoder_start_token(c, model), "decoder_start_token_id");
  for (int id : eos_tokens(c, model))
    check_id(id, "eos_token_id");
  for (const auto& sequence : c.bad_words_ids) {
    if (sequence.empty()) fail("bad_words_ids holds an empty sequence");
    if (static_cast<int>(sequence.size()) > positions) fail("a bad_words_ids sequence is too long");
    for (int id : sequence)
      check_id(id, "bad_words_ids token");
  }
}

}  // namespace mlxocr
