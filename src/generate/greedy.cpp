#include "generate/greedy.h"

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <limits>

#include "mlxocr/error.h"

namespace mlxocr {

namespace {

// Keeps rows `keep` (indices into the current batch) of every cached tensor.
void keep_rows(DecoderCache& cache, const mx::array& keep) {
  for (auto* tensors :
       {&cache.self_keys, &cache.self_values, &cache.cross_keys, &cache.cross_values}) {
    for (mx::array& t : *tensors)
      t = mx::take(t, keep, 0);
  }
}

}  // namespace

std::vector<GeneratedSequence> greedy_generate(const TrOCRModel& model,
                                               const mx::array& pixel_values,
                                               const GreedyOptions& options) {
  if (options.max_new_tokens < 1) throw UsageError("max_new_tokens must be at least 1");
  const int positions = model.config.decoder.max_position_embeddings;
  if (options.max_new_tokens > positions - 1) {
    throw UsageError("max_new_tokens " + std::to_string(options.max_new_tokens) +
                     " is more than the decoder has positions for (max_position_embeddings " +
                     std::to_string(positions) + ", the start token included)");
  }
  const int batch = pixel_values.shape(0);
  const int start = model.config.decoder_start_token_id;
  const int eos = model.config.eos_token_id;
  const int vocab = model.config.decoder.vocab_size;

  std::vector<GeneratedSequence> result(batch);
  for (auto& r : result)
    r.tokens.push_back(start);
  std::vector<int> active(batch);  // batch row of each active row
  for (int i = 0; i < batch; ++i)
    active[i] = i;

  const mx::array states = model.decoder_inputs(model.encode(pixel_values));
  DecoderCache cache = model.decoder.start_cache(states, options.max_new_tokens + 1);
  std::vector<int> next(batch, start);

  // EOS suppressed while fewer than min_new_tokens were generated, as MinNewTokensLength does.
  std::vector<float> eos_mask_values(vocab, 0.0f);
  eos_mask_values[eos] = -std::numeric_limits<float>::infinity();
  const mx::array eos_mask(eos_mask_values.data(), {1, vocab});

  for (int step = 0; step < options.max_new_tokens && !active.empty(); ++step) {
    const int rows = static_cast<int>(active.size());
    const mx::array ids(next.data(), {rows, 1}, mx::int32);
    mx::array logits = mx::squeeze(model.decoder.forward(ids, cache), 1);
    logits = mx::astype(logits, mx::float32);
    const mx::array logprobs = logits - mx::logsumexp(logits, -1, true);
    const mx::array scores = step < options.min_new_tokens ? logits + eos_mask : logits;
    const mx::array chosen = mx::astype(mx::argmax(scores, -1), mx::int32);
    const mx::array chosen_logprob =
        mx::squeeze(mx::take_along_axis(logprobs, mx::expand_dims(chosen, -1), -1), -1);
    // One evaluation per step: the cache updates are part of this graph.
    std::vector<mx::array> outputs = {chosen, chosen_logprob};
    for (auto& k : cache.self_keys)
      outputs.push_back(k);
    for (auto& v : cache.self_values)
      outputs.push_back(v);
    mx::eval(outputs);

    const int* token = chosen.data<int>();
    const float* logprob = chosen_logprob.data<float>();
    std::vector<int> still_active, keep, next_tokens;
    for (int r = 0; r < rows; ++r) {
      GeneratedSequence& seq = result[active[r]];
      seq.tokens.push_back(token[r]);
      seq.token_logprobs.push_back(logprob[r]);
      if (token[r] == eos) {
        seq.finished = true;
      } else {
        still_active.push_back(active[r]);
        keep.push_back(r);
        next_tokens.push_back(token[r]);
      }
    }
    if (static_cast<int>(keep.size()) != rows && !keep.empty()) {
      keep_rows(cache, mx::array(keep.data(), {static_cast<int>(keep.size())}, mx::int32));
    }
    active = std::move(still_active);
    next = std::move(next_tokens);
  }
  return result;
}

}  // namespace mlxocr
