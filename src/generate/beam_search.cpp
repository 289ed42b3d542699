// Beam search as transformers 4.53's _beam_search does it (the vectorised rewrite of
// BeamSearchScorer / BeamHypotheses), per image:
//   - every step, each running beam's processed log-probabilities are added to its score, and the
//     best 2 * num_beams (more with several EOS tokens) continuations over all beams are kept --
//     or, with do_sample, drawn without replacement from the softmax of those scores;
//   - a continuation that ends in EOS, or reaches max_new_tokens, stops; among the first num_beams
//     kept, those enter the finished list with score sum / length^length_penalty (length: the
//     generated tokens, EOS included), which keeps the num_beams best -- unless early_stopping is
//     true and the list is already full;
//   - the best num_beams continuations that did not stop run on (the cache rows follow them);
//   - the image is done when no running beam can still beat the worst finished hypothesis (the
//     bound: the best running score divided by the current length^length_penalty, or by
//     max_new_tokens^length_penalty with early_stopping "never" and a positive penalty), when
//     early_stopping is true and num_beams hypotheses are finished, or when every continuation
//     stopped.
// transformers tests these stop conditions over the whole batch at once, so an image may keep
// going (and, rarely, change) because of its neighbours; here each image stops on its own, which
// is transformers' result for that image alone. The -1e9 placeholders transformers uses for empty
// and blocked slots are kept where they can matter (scores of beams that stopped).
#include <mlx/ops.h>
#include <mlx/random.h>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "generate/decoding.h"
#include "kernels/cpu/enabled.h"
#include "kernels/cpu/top_k.h"
#include "model/layers.h"

namespace mlxocr::decoding {

namespace {

constexpr float kPlaceholder = -1.0e9f;  // transformers' score of an impossible beam

struct Beam {
  std::vector<int> tokens;      // the start token, then the generated ones
  std::vector<float> logprobs;  // raw log-softmax at each generated token
  float score = 0.0f;           // sum of the processed log-probabilities (running_beam_scores)
};

struct Hypothesis {
  Beam beam;
  float score = 0.0f;  // beam.score / length^length_penalty
};

struct ImageBeams {
  int image = 0;
  std::vector<Beam> running;         // num_beams, in cache row order
  std::vector<Hypothesis> finished;  // best first, at most num_beams
  mx::array keys = mx::array(0);     // [max_new_tokens, 2] with do_sample
};

struct Candidate {
  float rank = 0.0f;   // what picked it: its score, or its perturbed score when sampling
  float score = 0.0f;  // accumulated processed log-probability
  float raw_logprob = 0.0f;
  int beam = 0;
  int token = 0;
  bool stops = false;
};

float length_normalised(float score, int length, double length_penalty) {
  return score / static_cast<float>(std::pow(static_cast<double>(length), length_penalty));
}

GeneratedSequence to_sequence(const Hypothesis& h, const Setup& setup) {
  GeneratedSequence seq;
  seq.tokens = h.beam.tokens;
  seq.token_logprobs = h.beam.logprobs;
  seq.finished = seq.tokens.size() > 1 && setup.is_eos(seq.tokens.back());
  seq.sequence_score = h.score;
  return seq;
}

// One image's step, given its candidates in the order they were picked. Returns whether the image
// is done; fills `next_rows` with the (image-local) source beam of each new running beam.
bool advance(ImageBeams& img, std::vector<Candidate>& candidates, int step, const Setup& setup,
             std::vector<int>& next_rows) {
  const GenerationConfig& config = setup.config;
  const int beams = config.num_beams;
  const int generated = step + 1;  // tokens each candidate holds after the start token
  const bool at_max_length = generated >= config.max_new_tokens;
  for (Candidate& c : candidates)
    c.stops = at_max_length || setup.is_eos(c.token);

  const auto extend = [&](const Candidate& c) {
    Beam beam = img.running[c.beam];
    beam.tokens.push_back(c.token);
    beam.logprobs.push_back(c.raw_logprob);
    beam.score = c.score;
    return beam;
  };

  // Finished list: the first num_beams picked that stop, unless early stopping closed it.
  const bool closed = config.early_stopping == EarlyStopping::kTrue &&
                      static_cast<int>(img.finished.size()) == beams;
  if (!closed) {
    for (int c = 0; c < beams; ++c) {
      if (!candidates[c].stops) continue;
      Hypothesis h{extend(candidates[c]), 0.0f};
      h.score = length_normalised(candidates[c].score, generated, config.length_penalty);
      img.finished.push_back(std::move(h));
    }
    std::stable_sort(img.finished.begin(), img.finished.end(),
                     [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
    if (static_cast<int>(img.finished.size()) > beams) img.finished.resize(beams);
  }

  // Running beams: the best num_beams by score, those that stopped pushed down by -1e9.
  std::vector<float> running_score(candidates.size());
  for (size_t c = 0; c < candidates.size(); ++c) {
    running_score[c] =
        candidates[c].stops ? candidates[c].score + kPlaceholder : candidates[c].score;
  }
  std::vector<int> order(candidates.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return running_score[a] > running_score[b]; });
  std::vector<Beam> running;
  next_rows.clear();
  for (int i = 0; i < beams; ++i) {
    const Candidate& c = candidates[order[i]];
    running.push_back(extend(c));
    running.back().score = running_score[order[i]];
    next_rows.push_back(c.beam);
  }
  img.running = std::move(running);

  // Stop test (_beam_search_has_unfinished_sequences), for this image alone.
  const bool all_stop =
      std::all_of(candidates.begin(), candidates.end(), [](const Candidate& c) { return c.stops; });
  const bool full = static_cast<int>(img.finished.size()) == beams;
  const int bound_length =
      config.early_stopping == EarlyStopping::kNever && config.length_penalty > 0.0
          ? config.max_new_tokens
          : generated;
  const float best_possible =
      length_normalised(img.running.front().score, bound_length, config.length_penalty);
  const bool can_improve =
      full ? best_possible > img.finished.back().score : best_possible > kPlaceholder;
  const bool open = !(full && config.early_stopping == EarlyStopping::kTrue);
  return !(can_improve && open && !all_stop);
}

}  // namespace

std::vector<std::vector<GeneratedSequence>> beam_search(
    const TrOCRModel& model, const mx::array& states, const Setup& setup,
    const std::vector<std::uint64_t>& sample_streams) {
  const GenerationConfig& config = setup.config;
  const int images = states.shape(0);
  const int beams = config.num_beams;
  const int vocab = setup.vocab;
  const int keep = std::max(2, 1 + static_cast<int>(setup.eos_tokens.size())) * beams;

  std::vector<ImageBeams> active(images);
  std::vector<int> expand;
  std::vector<mx::array> keys;
  for (int i = 0; i < images; ++i) {
    active[i].image = i;
    Beam first;
    first.tokens = {setup.start_token};
    active[i].running.assign(beams, first);
    // Only the first beam is live at the start, so the others cannot repeat its continuations.
    for (int b = 1; b < beams; ++b)
      active[i].running[b].score = kPlaceholder;
    for (int b = 0; b < beams; ++b)
      expand.push_back(i);
    if (config.do_sample) {
      active[i].keys = step_keys(stream_key(config.seed, sample_streams[i]), config.max_new_tokens);
      keys.push_back(active[i].keys);
    }
  }
  if (!keys.empty()) mx::eval(keys);
  DecoderCache cache =
      model.decoder.start_cache(states, config.max_new_tokens + 1, /*steps_only=*/true);
  gather_cache_rows(cache, expand, false);

  std::vector<std::vector<GeneratedSequence>> result(images);
  for (int step = 0; step < config.max_new_tokens && !active.empty(); ++step) {
    const int count = static_cast<int>(active.size());
    std::vector<int> last;
    std::vector<float> scores_so_far;
    std::vector<const std::vector<int>*> histories;
    for (const ImageBeams& img : active) {
      for (const Beam& beam : img.running) {
        last.push_back(beam.tokens.back());
        scores_so_far.push_back(beam.score);
        histories.push_back(&beam.tokens);
      }
    }
    const mx::array logits = step_logits(model, last, cache);
    const mx::array logprobs = log_softmax(logits);
    mx::array processed = apply_logits_processors(logprobs, setup.processors, histories);
    // Before the top-k below: a candidate the type forbids never takes a valid one's place.
    std::vector<TokenConstraint*> row_constraints;
    for (const ImageBeams& img : active)
      row_constraints.insert(row_constraints.end(), beams, setup.constraint(img.image));
    processed = apply_token_constraints(processed, row_constraints, histories);
    if (config.do_sample) {
      processed =
          apply_sampling_warpers(processed, config, 1 + static_cast<int>(setup.eos_tokens.size()));
    }
    const mx::array running(scores_so_far.data(), {count * beams, 1}, mx::float32);
    const mx::array accumulated = mx::reshape(processed + running, {count, beams * vocab});
    mx::array rank = accumulated;
    if (config.do_sample) {
      // Gumbel top-k: the perturbed top `keep` are a draw without replacement, in draw order,
      // from softmax(accumulated) -- torch.multinomial(..., replacement=False) in distribution.
      std::vector<mx::array> noise;
      for (const ImageBeams& img : active) {
        noise.push_back(
            mx::random::gumbel({1, beams * vocab}, mx::float32, key_at(img.keys, step)));
      }
      rank = accumulated + mx::concatenate(noise, 0);
    }
    // The `keep` best of each row (unordered from argpartition); contiguous, as the host reads
    // it row by row.
    const mx::array picked =
        cpu_kernels_apply(rank)
            ? top_indices_cpu(rank, keep)
            : mx::contiguous(mx::astype(mx::slice(mx::argpartition(mx::negative(rank), keep - 1, 1),
                                                  {0, 0}, {count, keep}),
                                        mx::int32));
    const mx::array picked_rank = mx::take_along_axis(rank, picked, 1);
    const mx::array picked_score = mx::take_along_axis(accumulated, picked, 1);
    const mx::array picked_raw =
        mx::take_along_axis(mx::reshape(logprobs, {count, beams * vocab}), picked, 1);
    std::vector<mx::array> outputs = {picked, picked_rank, picked_score, picked_raw};
    append_cache_arrays(cache, outputs);
    mx::eval(outputs);

    const int* index = picked.data<int>();
    const float* rank_of = picked_rank.data<float>();
    const float* score_of = picked_score.data<float>();
    const float* raw_of = picked_raw.data<float>();
    std::vector<ImageBeams> still_active;
    std::vector<int> rows, local_rows;
    for (int a = 0; a < count; ++a) {
      std::vector<Candidate> candidates(keep);
      for (int c = 0; c < keep; ++c) {
        const int at = a * keep + c;
        candidates[c] = {rank_of[at],       score_of[at],      raw_of[at],
                         index[at] / vocab, index[at] % vocab, false};
      }
      // Best first (argpartition leaves them unordered); ties: the lower index first.
      std::vector<int> order(keep);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
        if (candidates[x].rank != candidates[y].rank) {
          return candidates[x].rank > candidates[y].rank;
        }
        return index[a * keep + x] < index[a * keep + y];
      });
      std::vector<Candidate> sorted;
      for (int c : order)
        sorted.push_back(candidates[c]);
      ImageBeams& img = active[a];
      if (advance(img, sorted, step, setup, local_rows)) {
        auto& out = result[img.image];
        for (int n = 0;
             n < config.num_return_sequences && n < static_cast<int>(img.finished.size()); ++n) {
          out.push_back(to_sequence(img.finished[n], setup));
        }
        if (out.empty()) {  // cannot happen with transformers' rules; never return nothing
          Hypothesis h{img.running.front(), 0.0f};
          h.score = length_normalised(h.beam.score, step + 1, config.length_penalty);
          out.push_back(to_sequence(h, setup));
        }
      } else {
        for (int beam : local_rows)
          rows.push_back(a * beams + beam);
        still_active.push_back(std::move(img));
      }
    }
    const bool same_images = static_cast<int>(still_active.size()) == count;
    if (!still_active.empty()) gather_cache_rows(cache, rows, same_images);
    active = std::move(still_active);
  }
  return result;
}

}  // namespace mlxocr::decoding
