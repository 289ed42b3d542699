#include "generate/generate.h"

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "generate/decoding.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

// Images the encoder takes at once when generating. Each slice is evaluated before the next, so
// that only one slice's working memory is alive: at batch 8 the attention scores of trocr-small
// alone are 64 MB per layer, and peak memory is what users of big batches notice. Two images
// (1 154 rows for the encoder's matmuls) keep sgemm as efficient as eight.
constexpr int kImagesPerEncoderSlice = 2;

// The decoder's cross-attention input for every image of the batch, encoded slice by slice.
mx::array encode_in_slices(const TrOCRModel& model, const mx::array& pixel_values) {
  const int images = pixel_values.shape(0);
  if (images <= kImagesPerEncoderSlice) return model.decoder_inputs(model.encode(pixel_values));
  std::vector<mx::array> parts;
  for (int first = 0; first < images; first += kImagesPerEncoderSlice) {
    mx::Shape start(pixel_values.ndim(), 0), stop = pixel_values.shape();
    start[0] = first;
    stop[0] = std::min(first + kImagesPerEncoderSlice, images);
    parts.push_back(model.decoder_inputs(model.encode(mx::slice(pixel_values, start, stop))));
    mx::eval(parts.back());
  }
  return mx::concatenate(parts, 0);
}

}  // namespace

std::vector<std::vector<GeneratedSequence>> generate(
    const TrOCRModel& model, const mx::array& pixel_values, const GenerationConfig& config,
    const std::vector<std::uint64_t>& sample_streams,
    const std::vector<TokenConstraint*>& constraints) {
  decoding::Setup setup = decoding::make_setup(model, config);
  const int images = pixel_values.shape(0);
  std::vector<std::uint64_t> streams = sample_streams;
  if (streams.empty()) {
    streams.resize(images);
    std::iota(streams.begin(), streams.end(), 0);
  }
  if (static_cast<int>(streams.size()) != images) {
    throw UsageError("generate: " + std::to_string(streams.size()) + " sample streams for " +
                     std::to_string(images) + " images");
  }
  setup.constraints = constraints;
  const mx::array states = encode_in_slices(model, pixel_values);
  return config.num_beams > 1 ? decoding::beam_search(model, states, setup, streams)
                              : decoding::sample_search(model, states, setup, streams);
}

std::vector<GeneratedSequence> greedy_generate(const TrOCRModel& model,
                                               const mx::array& pixel_values,
                                               const GenerationConfig& config) {
  GenerationConfig greedy = config;
  greedy.num_beams = 1;
  greedy.do_sample = false;
  greedy.num_return_sequences = 1;
  std::vector<GeneratedSequence> out;
  for (auto& sequences : generate(model, pixel_values, greedy))
    out.push_back(std::move(sequences.front()));
  return out;
}

}  // namespace mlxocr
