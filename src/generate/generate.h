// Text generation from images, as transformers' generate() does it for VisionEncoderDecoder
// TrOCR models: greedy search, multinomial sampling and beam search (sampled beams too), with the
// logits processors of generate/logits_process.h. The encoder runs once per image, the
// cross-attention keys/values once per image, and the self-attention cache is allocated once per
// call; rows that are done leave the batch, so each image gets exactly the result it gets alone.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "generate/generation_config.h"
#include "generate/token_constraint.h"
#include "model/model.h"

namespace mlxocr {

struct GeneratedSequence {
  // decoder_start_token_id, then the generated tokens, ending with EOS when the sequence finished.
  std::vector<int> tokens;
  // log-softmax of the model's raw logits at each generated token: the model's own confidence,
  // before any processor (repetition penalty, temperature, ...) changed the scores.
  std::vector<float> token_logprobs;
  bool finished = false;  // reached EOS (else stopped at max_new_tokens)
  // Beam search only: transformers' sequences_scores, the sum of the processed log-probabilities
  // divided by (generated length, EOS included) ^ length_penalty.
  std::optional<float> sequence_score;
};

// `pixel_values` [B, C, H, W] -> for each image, config.num_return_sequences sequences, best first
// (beams: by sequence_score). `config` is checked with validate_generation_config.
// Sampling draws from MLX's random generator, seeded by config.seed and, per image, by
// `sample_streams[i]` (default: i), so an image's samples do not depend on its batch neighbours
// when callers pass each image's own index.
// `constraints[i]` (optional; null: none) keeps image i's text a valid prefix of a typed field
// (generate/token_constraint.h), in every search mode.
std::vector<std::vector<GeneratedSequence>> generate(
    const TrOCRModel& model, const mx::array& pixel_values, const GenerationConfig& config,
    const std::vector<std::uint64_t>& sample_streams = {},
    const std::vector<TokenConstraint*>& constraints = {});

// Greedy search (num_beams and do_sample of `config` are ignored): one sequence per image.
std::vector<GeneratedSequence> greedy_generate(const TrOCRModel& model,
                                               const mx::array& pixel_values,
                                               const GenerationConfig& config);

}  // namespace mlxocr
