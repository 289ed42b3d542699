// GenerationOptions (public, every field optional) laid over the checkpoint's GenerationConfig,
// and a GenerationConfig described as GenerationOptions.
#include <array>
#include <string>
#include <string_view>

#include "api/model_impl.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

template <typename T, typename U>
void lay_over(T& setting, const std::optional<U>& given) {
  if (given) setting = *given;
}

// The engine's checks name the settings as transformers does, which are GenerationOptions'
// names too: "num_beams must be ..." becomes "GenerationOptions::num_beams must be ...".
std::string with_struct_name(const std::string& message) {
  static constexpr std::array<std::string_view, 14> kFields = {"max_new_tokens",
                                                               "min_new_tokens",
                                                               "num_beams",
                                                               "length_penalty",
                                                               "early_stopping",
                                                               "num_return_sequences",
                                                               "do_sample",
                                                               "temperature",
                                                               "top_k",
                                                               "top_p",
                                                               "seed",
                                                               "no_repeat_ngram_size",
                                                               "repetition_penalty",
                                                               "bad_words_ids"};
  for (const std::string_view field : kFields) {
    if (message.size() > field.size() && message.compare(0, field.size(), field) == 0 &&
        message[field.size()] == ' ') {
      return "GenerationOptions::" + message;
    }
  }
  return "GenerationOptions: " + message;
}

}  // namespace

GenerationConfig generation_config(const Model::Impl& model, const GenerationOptions& o) {
  GenerationConfig c = model.recognizer.default_config();
  lay_over(c.max_new_tokens, o.max_new_tokens);
  lay_over(c.min_new_tokens, o.min_new_tokens);
  lay_over(c.num_beams, o.num_beams);
  lay_over(c.length_penalty, o.length_penalty);
  lay_over(c.early_stopping, o.early_stopping);
  lay_over(c.num_return_sequences, o.num_return_sequences);
  lay_over(c.do_sample, o.do_sample);
  lay_over(c.temperature, o.temperature);
  lay_over(c.top_k, o.top_k);
  lay_over(c.top_p, o.top_p);
  lay_over(c.seed, o.seed);
  lay_over(c.no_repeat_ngram_size, o.no_repeat_ngram_size);
  lay_over(c.repetition_penalty, o.repetition_penalty);
  lay_over(c.bad_words_ids, o.bad_words_ids);
  try {
    validate_generation_config(c, model.recognizer.model().config);
  } catch (const UsageError& e) {
    throw UsageError(with_struct_name(e.what()));
  }
  return c;
}

GenerationOptions generation_options(const GenerationConfig& c) {
  GenerationOptions o;
  o.max_new_tokens = c.max_new_tokens;
  o.min_new_tokens = c.min_new_tokens;
  o.num_beams = c.num_beams;
  o.length_penalty = c.length_penalty;
  o.early_stopping = c.early_stopping;
  o.num_return_sequences = c.num_return_sequences;
  o.do_sample = c.do_sample;
  o.temperature = c.temperature;
  o.top_k = c.top_k;
  o.top_p = c.top_p;
  o.seed = c.seed;
  o.no_repeat_ngram_size = c.no_repeat_ngram_size;
  o.repetition_penalty = c.repetition_penalty;
  o.bad_words_ids = c.bad_words_ids;
  return o;
}

}  // namespace mlxocr
