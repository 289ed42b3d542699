// How the decoder writes a line: transformers' generate() settings, each one optional. A setting
// left unset keeps the checkpoint's own (its generation_config.json or config.json, read as
// transformers reads them; see docs/generation.md), so `GenerationOptions{}` reads as the model's
// authors meant it to be read.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace mlxocr {

// transformers' early_stopping for beam search: true (stop when num_beams hypotheses are done),
// false (stop when no running beam can beat the worst finished one at the current length) or
// "never" (the exact test, at the longest possible length).
enum class EarlyStopping { kFalse, kTrue, kNever };

// Named as transformers' GenerationConfig names them. Checked when a recognizer uses them: a
// value out of range is a UsageError naming the field ("GenerationOptions::num_beams must be
// between 1 and 64, got 0").
struct GenerationOptions {
  std::optional<int> max_new_tokens;     // tokens per line at most, EOS included, start token not
  std::optional<int> min_new_tokens;     // EOS is forbidden before this many tokens
  std::optional<int> num_beams;          // 1: greedy search (or sampling); more: beam search
  std::optional<double> length_penalty;  // beams: score = sum(log-probs) / length^length_penalty
  std::optional<EarlyStopping> early_stopping;
  std::optional<int> num_return_sequences;   // beams: the N best hypotheses; sampling: N samples
  std::optional<bool> do_sample;             // draw tokens instead of searching
  std::optional<double> temperature;         // sampling: divide the scores by this
  std::optional<int> top_k;                  // sampling: keep the K most likely tokens (0: all)
  std::optional<double> top_p;               // sampling: nucleus probability (1: all)
  std::optional<std::uint64_t> seed;         // sampling: the same seed gives the same text
  std::optional<int> no_repeat_ngram_size;   // no N tokens in a row twice (0: off)
  std::optional<double> repetition_penalty;  // > 1 makes tokens already written less likely
  std::optional<std::vector<std::vector<int>>> bad_words_ids;  // token sequences never written
};

}  // namespace mlxocr
