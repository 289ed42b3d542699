#include "generate/generate.h"

#include <numeric>

#include "generate/decoding.h"
#include "mlxocr/error.h"

namespace mlxocr {

std::vector<std::vector<GeneratedSequence>> generate(
    const TrOCRModel& model, const mx::array& pixel_values, const GenerationConfig& config,
    const std::vector<std::uint64_t>& sample_streams) {
  const decoding::Setup setup = decoding::make_setup(model, config);
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
  const mx::array states = model.decoder_inputs(model.encode(pixel_values));
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
