// Generation settings named as transformers' GenerationConfig names them, loaded from a
// checkpoint's generation_config.json / config.json with transformers' precedence, and checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlxocr/generation.h"

namespace mlxocr {

struct ModelConfig;

// transformers' early_stopping (true, false or "never", docs/generation.md) is the public
// mlxocr::EarlyStopping of mlxocr/generation.h.

std::string to_string(EarlyStopping value);
// "true" / "false" / "never"; throws UsageError naming `what` otherwise.
EarlyStopping parse_early_stopping(const std::string& text, const std::string& what);

// Everything one call of generate() needs. An aggregate whose first members are the lengths, so
// `GenerationConfig{.max_new_tokens = 32}` reads as before; the defaults are transformers'
// GenerationConfig defaults except max_new_tokens (see load_generation_config).
struct GenerationConfig {
  int max_new_tokens = 128;     // tokens generated at most, EOS included, start token not
  int min_new_tokens = 0;       // EOS is forbidden before this many new tokens
  int num_beams = 1;            // 1: greedy search or sampling; more: beam search
  double length_penalty = 1.0;  // beams: a hypothesis scores sum(log-probs) / length^length_penalty
  EarlyStopping early_stopping = EarlyStopping::kFalse;
  int num_return_sequences = 1;  // beams: the best N finished hypotheses; sampling: N samples
  bool do_sample = false;
  double temperature = 1.0;                     // sampling only
  int top_k = 50;                               // sampling only; 0 keeps every token
  double top_p = 1.0;                           // sampling only; 1 keeps every token
  std::uint64_t seed = 0;                       // sampling only: the same seed gives the same text
  int no_repeat_ngram_size = 0;                 // 0: off
  double repetition_penalty = 1.0;              // 1: off
  std::vector<std::vector<int>> bad_words_ids;  // token sequences that may never be generated
  // Special tokens; -1 / empty: the model config's.
  int decoder_start_token_id = -1;
  std::vector<int> eos_token_ids;
  int pad_token_id = -1;
  // Filled by load_generation_config, for the CLI to show: how max_new_tokens was chosen when the
  // stored setting was not used as is (a short max_length, more tokens than positions), and the
  // stored settings mlxocr does not implement.
  std::string max_new_tokens_note;
  std::vector<std::string> notes;
};

// The effective transformers generation settings of a model folder, before mlxocr's own rules:
// every key of RESOLVED_KEYS in tools/reference/make_generation_fixtures.py (max_length,
// max_new_tokens, num_beams, ... as transformers' GenerationConfig holds them, null where unset),
// plus the stored keys mlxocr does not implement. Precedence as transformers 4.53 applies it:
//   - generation_config.json when present; but when that file was derived from the model config
//     ("_from_model_config": true) and config.json itself sets generation parameters, generate()
//     goes back to config.json (the legacy path of _prepare_generation_config);
//   - otherwise config.json: its top-level keys, then the decoder sub-config's for keys the top
//     level leaves at transformers' defaults (GenerationConfig.from_model_config).
nlohmann::json resolve_stored_generation_settings(const std::filesystem::path& model_dir,
                                                  const nlohmann::json& model_config_json);

// Turns resolved transformers settings into a GenerationConfig. max_new_tokens: the stored
// max_new_tokens; else a stored max_length > 20 (minus the start token); else 128 -- an old
// max_length <= 20 (transformers' default, which cuts long fields at 20 tokens) is not used. All
// capped at the decoder's max_position_embeddings - 1, with a note when capping or replacing.
GenerationConfig generation_config_from_settings(const nlohmann::json& settings,
                                                 const ModelConfig& model,
                                                 const std::string& source);

// The model folder's defaults: resolve_stored_generation_settings, then
// generation_config_from_settings. Throws ConfigError naming the file for malformed JSON or
// values of the wrong type.
GenerationConfig load_generation_config(const std::filesystem::path& model_dir,
                                        const ModelConfig& model);

// Sets the transformers-named keys of `json` (generate()'s keyword arguments: max_new_tokens,
// num_beams, early_stopping, bad_words_ids, ...) on `config`. Throws ConfigError naming `source`
// and the key for an unknown key or a value of the wrong type.
void apply_generate_kwargs(GenerationConfig& config, const nlohmann::json& json,
                           const std::string& source);

// Special tokens with the model's defaults filled in.
int decoder_start_token(const GenerationConfig& config, const ModelConfig& model);
std::vector<int> eos_tokens(const GenerationConfig& config, const ModelConfig& model);

// The checks that need no model: lengths, beam and sequence counts, sampling parameters.
void validate_generation_settings(const GenerationConfig& config);

// Checks `config` against the model; throws UsageError saying what is wrong and what is allowed
// (num_beams 0, negative lengths, top_p outside (0, 1], num_return_sequences > num_beams, token
// ids outside the vocabulary, more new tokens than the decoder has positions, ...).
void validate_generation_config(const GenerationConfig& config, const ModelConfig& model);

}  // namespace mlxocr
