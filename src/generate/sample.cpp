// Greedy search and multinomial sampling: transformers' _sample, one loop for both. Each row picks
// its next token from the processed scores (argmax, or a draw from their softmax); rows that
// produce EOS leave the batch, their cache rows with them.
#include <mlx/ops.h>
#include <mlx/random.h>

#include "generate/decoding.h"
#include "model/layers.h"

namespace mlxocr::decoding {

namespace {

struct Row {
  int image = 0;
  int sample = 0;
  GeneratedSequence sequence;
  mx::array keys = mx::array(0);  // [max_new_tokens, 2] when sampling
};

}  // namespace

std::vector<std::vector<GeneratedSequence>> sample_search(
    const TrOCRModel& model, const mx::array& states, const Setup& setup,
    const std::vector<std::uint64_t>& sample_streams) {
  const GenerationConfig& config = setup.config;
  const int images = states.shape(0);
  const int per_image = config.do_sample ? config.num_return_sequences : 1;

  // Rows image-major, like transformers' repeat_interleave of the inputs.
  std::vector<Row> rows;
  std::vector<int> row_image;
  for (int i = 0; i < images; ++i) {
    const mx::array image_keys =
        config.do_sample ? mx::random::split(stream_key(config.seed, sample_streams[i]), per_image)
                         : mx::array(0);
    for (int j = 0; j < per_image; ++j) {
      Row row{i, j, {}, mx::array(0)};
      row.sequence.tokens.push_back(setup.start_token);
      if (config.do_sample) row.keys = step_keys(key_at(image_keys, j), config.max_new_tokens);
      rows.push_back(std::move(row));
      row_image.push_back(i);
    }
  }
  if (config.do_sample) {
    std::vector<mx::array> keys;
    for (const Row& row : rows)
      keys.push_back(row.keys);
    mx::eval(keys);  // once, not again in every step's graph
  }
  DecoderCache cache =
      model.decoder.start_cache(states, config.max_new_tokens + 1, /*steps_only=*/true);
  if (per_image > 1) gather_cache_rows(cache, row_image, false);

  std::vector<std::vector<GeneratedSequence>> result(images);
  for (auto& r : result)
    r.resize(per_image);
  std::vector<Row*> active;
  for (Row& row : rows)
    active.push_back(&row);

  for (int step = 0; step < config.max_new_tokens && !active.empty(); ++step) {
    const int count = static_cast<int>(active.size());
    std::vector<int> last;
    std::vector<const std::vector<int>*> histories;
    for (const Row* row : active) {
      last.push_back(row->sequence.tokens.back());
      histories.push_back(&row->sequence.tokens);
    }
    const mx::array logits = step_logits(model, last, cache);
    const mx::array normaliser = logsumexp_last_axis(logits);  // [count, 1]
    mx::array scores = apply_logits_processors(logits, setup.processors, histories);
    std::vector<TokenConstraint*> row_constraints;
    for (const Row* row : active)
      row_constraints.push_back(setup.constraint(row->image));
    scores = apply_token_constraints(scores, row_constraints, histories);
    mx::array chosen = mx::array(0);
    if (config.do_sample) {
      scores = apply_sampling_warpers(scores, config, 1);
      std::vector<mx::array> draws;
      for (int r = 0; r < count; ++r) {
        const mx::array row_scores = mx::slice(scores, {r, 0}, {r + 1, setup.vocab});
        draws.push_back(mx::random::categorical(row_scores, -1, key_at(active[r]->keys, step)));
      }
      chosen = mx::astype(mx::concatenate(draws, 0), mx::int32);
    } else {
      chosen = mx::astype(mx::argmax(scores, -1), mx::int32);
    }
    // The chosen token's log-softmax, without building the whole row of them.
    const mx::array chosen_logprob =
        mx::squeeze(mx::take_along_axis(logits, mx::expand_dims(chosen, -1), -1) - normaliser, -1);
    // One evaluation per step: the cache writes are part of this graph.
    std::vector<mx::array> outputs = {chosen, chosen_logprob};
    append_cache_arrays(cache, outputs);
    mx::eval(outputs);

    const int* token = chosen.data<int>();
    const float* logprob = chosen_logprob.data<float>();
    std::vector<Row*> still_active;
    std::vector<int> keep;
    for (int r = 0; r < count; ++r) {
      GeneratedSequence& seq = active[r]->sequence;
      seq.tokens.push_back(token[r]);
      seq.token_logprobs.push_back(logprob[r]);
      if (setup.is_eos(token[r])) {
        seq.finished = true;
      } else {
        still_active.push_back(active[r]);
        keep.push_back(r);
      }
    }
    if (static_cast<int>(keep.size()) != count && !keep.empty()) {
      gather_cache_rows(cache, keep, false);
    }
    active = std::move(still_active);
  }
  for (Row& row : rows)
    result[row.image][row.sample] = std::move(row.sequence);
  return result;
}

}  // namespace mlxocr::decoding
