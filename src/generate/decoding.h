// Pieces shared by the decoding loops of generate(): the special tokens of one call, one decoder
// step, cache row bookkeeping and the random streams of sampling. Internal to src/generate/.
#pragma once

#include <cstdint>
#include <vector>

#include "generate/generate.h"
#include "generate/logits_process.h"

namespace mlxocr::decoding {

// Everything about one generate() call that the loops need besides the model.
struct Setup {
  GenerationConfig config;
  int start_token = 2;
  std::vector<int> eos_tokens;
  int vocab = 0;
  LogitsProcessorSettings processors;
  std::vector<TokenConstraint*> constraints;  // one per image, null: unconstrained

  bool is_eos(int token) const;
  TokenConstraint* constraint(int image) const {
    return image < static_cast<int>(constraints.size()) ? constraints[image] : nullptr;
  }
};

Setup make_setup(const TrOCRModel& model, const GenerationConfig& config);

// Feeds `last_tokens` (one per cache row) and returns the float32 logits [R, vocab].
mx::array step_logits(const TrOCRModel& model, const std::vector<int>& last_tokens,
                      DecoderCache& cache);

// The arrays a step must evaluate besides its own outputs: the cache buffers it wrote.
void append_cache_arrays(const DecoderCache& cache, std::vector<mx::array>& outputs);

// Row r of the cache becomes old row `rows[r]`. `same_images`: every row still belongs to an image
// it belonged to before (beams reordered within their images, nobody left), so cross-attention
// keys/values stay as they are and only the filled part of the self-attention buffers is copied.
void gather_cache_rows(DecoderCache& cache, const std::vector<int>& rows, bool same_images);

// MLX random key of sample stream `stream` under `seed`: independent streams per image, the same
// stream for the same (seed, stream).
mx::array stream_key(std::uint64_t seed, std::uint64_t stream);

// [steps, 2] keys: one per decoding step, derived from `key`.
mx::array step_keys(const mx::array& key, int steps);

// Row `index` of a [N, 2] key array, as a key.
mx::array key_at(const mx::array& keys, int index);

// The loops. `states`: the decoder's cross-attention inputs [B, S, width], one row per image.
std::vector<std::vector<GeneratedSequence>> sample_search(
    const TrOCRModel& model, const mx::array& states, const Setup& setup,
    const std::vector<std::uint64_t>& sample_streams);
std::vector<std::vector<GeneratedSequence>> beam_search(
    const TrOCRModel& model, const mx::array& states, const Setup& setup,
    const std::vector<std::uint64_t>& sample_streams);

}  // namespace mlxocr::decoding
