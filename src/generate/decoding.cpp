#include "generate/decoding.h"

#include <mlx/ops.h>
#include <mlx/random.h>
#include <algorithm>

namespace mlxocr::decoding {

bool Setup::is_eos(int token) const {
  return std::find(eos_tokens.begin(), eos_tokens.end(), token) != eos_tokens.end();
}

Setup make_setup(const TrOCRModel& model, const GenerationConfig& config) {
  validate_generation_config(config, model.config);
  Setup setup;
  setup.config = config;
  setup.start_token = decoder_start_token(config, model.config);
  setup.eos_tokens = eos_tokens(config, model.config);
  setup.vocab = model.config.decoder.vocab_size;
  setup.processors = LogitsProcessorSettings(config, setup.eos_tokens);
  return setup;
}

mx::array step_logits(const TrOCRModel& model, const std::vector<int>& last_tokens,
                      DecoderCache& cache) {
  const mx::array ids(last_tokens.data(), {static_cast<int>(last_tokens.size()), 1}, mx::int32);
  return mx::astype(mx::squeeze(model.decoder.forward(ids, cache), 1), mx::float32);
}

void append_cache_arrays(const DecoderCache& cache, std::vector<mx::array>& outputs) {
  outputs.insert(outputs.end(), cache.self_keys.begin(), cache.self_keys.end());
  outputs.insert(outputs.end(), cache.self_values.begin(), cache.self_values.end());
}

void gather_cache_rows(DecoderCache& cache, const std::vector<int>& rows, bool same_images) {
  const mx::array index(rows.data(), {static_cast<int>(rows.size())}, mx::int32);
  for (auto* tensors : {&cache.self_keys, &cache.self_values}) {
    for (mx::array& t : *tensors) {
      if (same_images && cache.length > 0) {
        // Only the cached tokens move; the rest of the buffer is still empty.
        const mx::Shape upto = {t.shape(0), t.shape(1), cache.length, t.shape(3)};
        const mx::array filled = mx::take(mx::slice(t, {0, 0, 0, 0}, upto), index, 0);
        t = mx::slice_update(t, filled, {0, 0, 0, 0}, upto);
      } else {
        t = mx::take(t, index, 0);
      }
    }
  }
  if (same_images) return;  // all rows of an image hold the same cross-attention keys/values
  for (auto* tensors : {&cache.cross_keys, &cache.cross_values, &cache.cross_kv}) {
    for (mx::array& t : *tensors)
      t = mx::take(t, index, 0);
  }
}

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

mx::array stream_key(std::uint64_t seed, std::uint64_t stream) {
  return mx::random::key(splitmix64(seed ^ splitmix64(stream)));
}

mx::array step_keys(const mx::array& key, int steps) {
  return mx::random::split(key, steps);
}

mx::array key_at(const mx::array& keys, int index) {
  return mx::reshape(mx::slice(keys, {index, 0}, {index + 1, 2}), {2});
}

}  // namespace mlxocr::decoding
