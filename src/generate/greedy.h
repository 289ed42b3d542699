// Greedy decoding as transformers' generate(num_beams=1, do_sample=False) does it, batched:
// rows that reach EOS leave the active batch (their cache rows are dropped), so a batch of
// lines of different lengths costs what its unfinished rows cost.
#pragma once

#include <vector>

#include "model/model.h"

namespace mlxocr {

struct GreedyOptions {
  int max_new_tokens = 128;
  int min_new_tokens = 0;  // EOS is forbidden before this many new tokens (MinNewTokensLength)
};

struct GeneratedSequence {
  // decoder_start_token_id, then the generated tokens, ending with EOS when the row finished.
  std::vector<int> tokens;
  // log-softmax of the model's logits at each generated token (the confidence of that token).
  std::vector<float> token_logprobs;
  bool finished = false;  // reached EOS (else stopped at max_new_tokens)
};

// `pixel_values` [B, C, H, W] -> one sequence per row, identical to decoding each row alone.
std::vector<GeneratedSequence> greedy_generate(const TrOCRModel& model,
                                               const mx::array& pixel_values,
                                               const GreedyOptions& options);

}  // namespace mlxocr
