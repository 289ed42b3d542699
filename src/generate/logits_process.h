// transformers' logits processors and sampling warpers, in the order _get_logits_processor
// builds them: RepetitionPenalty, NoRepeatNGram, NoBadWords, MinNewTokensLength (MinLength folds
// into it), then for sampling Temperature, TopK, TopP.
//
// They act on the scores of R rows at once, [R, vocab] float32: the raw logits in greedy search
// and sampling, the log-softmax of the logits in beam search (as transformers does; this matters
// for the repetition penalty). The token histories they look at are transformers' input_ids:
// the decoder start token, then the generated tokens. All rows of a step have the same length.
#pragma once

#include <mlx/array.h>
#include <vector>

#include "generate/generation_config.h"

namespace mlxocr {

namespace mx = mlx::core;

// The settings of the processors, fixed for one generate() call.
struct LogitsProcessorSettings {
  double repetition_penalty = 1.0;
  int no_repeat_ngram_size = 0;
  std::vector<std::vector<int>> bad_words_ids;  // EOS-only sequences already removed
  int min_new_tokens = 0;
  std::vector<int> eos_token_ids;

  LogitsProcessorSettings() = default;
  LogitsProcessorSettings(const GenerationConfig& config, std::vector<int> eos);

  // Whether any processor can change scores at all (else apply() returns its input).
  bool active() const;
};

// Tokens that no_repeat_ngram_size and bad_words_ids forbid after `history`, plus EOS while
// fewer than min_new_tokens were generated. Sorted, without duplicates.
std::vector<int> banned_tokens(const LogitsProcessorSettings& settings,
                               const std::vector<int>& history);

// The processed scores; `histories[r]` is row r's input_ids (start token included).
mx::array apply_logits_processors(const mx::array& scores, const LogitsProcessorSettings& settings,
                                  const std::vector<const std::vector<int>*>& histories);

// Temperature, top-k and top-p as TemperatureLogitsWarper, TopKLogitsWarper and TopPLogitsWarper
// apply them (filtered tokens get -inf). `min_tokens_to_keep` is 1 for sampling and
// (number of EOS tokens + 1) for beam sampling.
mx::array apply_sampling_warpers(const mx::array& scores, const GenerationConfig& config,
                                 int min_tokens_to_keep);

}  // namespace mlxocr
