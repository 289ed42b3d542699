#include "generate/logits_process.h"

#include <mlx/ops.h>
#include <algorithm>
#include <limits>

namespace mlxocr {

namespace {

constexpr float kMinusInfinity = -std::numeric_limits<float>::infinity();

bool ends_with(const std::vector<int>& history, const std::vector<int>& sequence, size_t length) {
  if (length > history.size()) return false;
  return std::equal(sequence.begin(), sequence.begin() + length, history.end() - length);
}

// [R, width] int32 from per-row lists, each padded with `pad(row)`.
mx::array index_matrix(const std::vector<std::vector<int>>& rows, int width,
                       const std::vector<int>& pad) {
  std::vector<int> flat;
  flat.reserve(rows.size() * width);
  for (size_t r = 0; r < rows.size(); ++r) {
    flat.insert(flat.end(), rows[r].begin(), rows[r].end());
    flat.insert(flat.end(), width - rows[r].size(), pad[r]);
  }
  return mx::array(flat.data(), {static_cast<int>(rows.size()), width}, mx::int32);
}

}  // namespace

LogitsProcessorSettings::LogitsProcessorSettings(const GenerationConfig& config,
                                                 std::vector<int> eos)
    : repetition_penalty(config.repetition_penalty),
      no_repeat_ngram_size(config.no_repeat_ngram_size),
      min_new_tokens(config.min_new_tokens),
      eos_token_ids(std::move(eos)) {
  // NoBadWordsLogitsProcessor drops the sequences that are just an EOS token.
  for (const auto& sequence : config.bad_words_ids) {
    const bool eos_only =
        sequence.size() == 1 &&
        std::find(eos_token_ids.begin(), eos_token_ids.end(), sequence[0]) != eos_token_ids.end();
    if (!eos_only) bad_words_ids.push_back(sequence);
  }
}

bool LogitsProcessorSettings::active() const {
  return repetition_penalty != 1.0 || no_repeat_ngram_size > 0 || !bad_words_ids.empty() ||
         min_new_tokens > 0;
}

std::vector<int> banned_tokens(const LogitsProcessorSettings& settings,
                               const std::vector<int>& history) {
  std::vector<int> banned;
  const size_t length = history.size();
  // NoRepeatNGram: a token that would complete an n-gram already in the history.
  const size_t n = settings.no_repeat_ngram_size;
  if (n > 0 && length + 1 >= n) {
    const size_t prefix = n - 1;
    for (size_t i = 0; i + n <= length; ++i) {
      if (std::equal(history.begin() + i, history.begin() + i + prefix, history.end() - prefix)) {
        banned.push_back(history[i + prefix]);
      }
    }
  }
  // NoBadWords: single tokens always; longer sequences when the history ends with their prefix.
  for (const auto& sequence : settings.bad_words_ids) {
    if (sequence.size() == 1) {
      banned.push_back(sequence[0]);
    } else if (sequence.size() <= length && ends_with(history, sequence, sequence.size() - 1)) {
      banned.push_back(sequence.back());
    }
  }
  // MinNewTokensLength: the history's first token is the decoder start token, not a new one.
  if (static_cast<int>(length) - 1 < settings.min_new_tokens) {
    banned.insert(banned.end(), settings.eos_token_ids.begin(), settings.eos_token_ids.end());
  }
  std::sort(banned.begin(), banned.end());
  banned.erase(std::unique(banned.begin(), banned.end()), banned.end());
  return banned;
}

mx::array apply_logits_processors(const mx::array& scores, const LogitsProcessorSettings& settings,
                                  const std::vector<const std::vector<int>*>& histories) {
  if (!settings.active() || histories.empty()) return scores;
  const int rows = static_cast<int>(histories.size());
  mx::array out = scores;
  if (settings.repetition_penalty != 1.0) {
    // RepetitionPenaltyLogitsProcessor: every token of the history once, the start token too.
    std::vector<std::vector<int>> ids;
    std::vector<int> pad;
    for (const auto* h : histories) {
      ids.push_back(*h);
      pad.push_back(h->front());
    }
    const mx::array index = index_matrix(ids, static_cast<int>(ids.front().size()), pad);
    const mx::array seen = mx::take_along_axis(out, index, 1);
    const mx::array penalty(static_cast<float>(settings.repetition_penalty));
    const mx::array penalized =
        mx::where(mx::less(seen, mx::array(0.0f)), seen * penalty, seen / penalty);
    out = mx::put_along_axis(out, index, penalized, 1);
  }
  // The other processors only forbid tokens (score -inf), so they commute: one scatter for all.
  std::vector<std::vector<int>> banned(rows);
  size_t widest = 0;
  for (int r = 0; r < rows; ++r) {
    banned[r] = banned_tokens(settings, *histories[r]);
    widest = std::max(widest, banned[r].size());
  }
  if (widest == 0) return out;
  // Padding repeats a row's first banned token (the same -inf again), or token 0 with its own
  // score in rows that ban nothing, so duplicate writes always agree.
  std::vector<int> pad(rows, 0);
  std::vector<uint8_t> mask;
  for (int r = 0; r < rows; ++r) {
    if (!banned[r].empty()) pad[r] = banned[r][0];
    mask.insert(mask.end(), banned[r].size(), 1);
    mask.insert(mask.end(), widest - banned[r].size(), banned[r].empty() ? 0 : 1);
  }
  const int width = static_cast<int>(widest);
  const mx::array index = index_matrix(banned, width, pad);
  const mx::array is_banned(mask.data(), {rows, width}, mx::bool_);
  const mx::array values =
      mx::where(is_banned, mx::array(kMinusInfinity), mx::take_along_axis(out, index, 1));
  return mx::put_along_axis(out, index, values, 1);
}

mx::array apply_sampling_warpers(const mx::array& scores, const GenerationConfig& config,
                                 int min_tokens_to_keep) {
  mx::array out = scores;
  const int vocab = scores.shape(-1);
  if (config.temperature != 1.0) out = out / mx::array(static_cast<float>(config.temperature));
  if (config.top_k != 0) {
    // TopKLogitsWarper: drop every token below the k-th highest score (ties at it stay).
    const int k = std::min(std::max(config.top_k, min_tokens_to_keep), vocab);
    if (k < vocab) {
      const mx::array kth = mx::min(mx::topk(out, k, -1), -1, true);
      out = mx::where(mx::less(out, kth), mx::array(kMinusInfinity), out);
    }
  }
  if (config.top_p < 1.0) {
    // TopPLogitsWarper: sort ascending, drop the tokens whose cumulative probability stays at or
    // below 1 - top_p, always keep the last min_tokens_to_keep.
    const mx::array order = mx::argsort(out, -1);
    const mx::array sorted = mx::take_along_axis(out, order, -1);
    const mx::array cumulative = mx::cumsum(mx::softmax(sorted, -1), -1);
    mx::array remove =
        mx::less_equal(cumulative, mx::array(static_cast<float>(1.0 - config.top_p)));
    const mx::array protected_tail =
        mx::greater_equal(mx::arange(vocab), mx::array(vocab - min_tokens_to_keep));
    remove = mx::logical_and(remove, mx::logical_not(protected_tail));
    const mx::array removed =
        mx::put_along_axis(mx::zeros(out.shape(), mx::bool_), order, remove, -1);
    out = mx::where(removed, mx::array(kMinusInfinity), out);
  }
  return out;
}

}  // namespace mlxocr
