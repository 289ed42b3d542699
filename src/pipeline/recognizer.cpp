#include "pipeline/recognizer.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "image/image.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

int default_max_new_tokens(const fs::path& model_dir, const ModelConfig& config) {
  const int most = config.decoder.max_position_embeddings - 1;
  const int kDefault = std::min(128, most);
  const fs::path file = model_dir / "generation_config.json";
  if (!fs::exists(file)) return kDefault;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(file, 1 << 20));
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(file.string() + ": malformed JSON: " + e.what());
  }
  if (j.contains("max_new_tokens") && j["max_new_tokens"].is_number_integer()) {
    return std::clamp(j["max_new_tokens"].get<int>(), 1, most);
  }
  if (j.contains("max_length") && j["max_length"].is_number_integer() &&
      j["max_length"].get<int>() > 20) {
    return std::min(j["max_length"].get<int>() - 1, most);  // max_length counts the start token
  }
  return kDefault;
}

Recognizer::Recognizer(const fs::path& model_dir)
    : model_(load_model(model_dir)),
      processor_(load_image_processor_config(model_dir)),
      tokenizer_(load_tokenizer(model_dir)) {}

void Recognizer::decode_batch(const std::vector<RgbImage>& images, const GreedyOptions& options,
                              RecognizedLine* lines) const {
  const auto sequences = greedy_generate(model_, processor_.batch(images), options);
  for (size_t i = 0; i < images.size(); ++i) {
    RecognizedLine& line = lines[i];
    const GeneratedSequence& seq = sequences[i];
    line.token_ids.assign(seq.tokens.begin() + 1, seq.tokens.end());
    line.token_logprobs = seq.token_logprobs;
    line.finished = seq.finished;
    line.text = tokenizer_->decode(line.token_ids, true);
    double sum = 0;
    for (float lp : seq.token_logprobs)
      sum += lp;
    line.confidence = seq.token_logprobs.empty() ? 0.0 : std::exp(sum / seq.token_logprobs.size());
  }
}

std::vector<RecognizedLine> Recognizer::recognize_images(const std::vector<RgbImage>& images,
                                                         const GreedyOptions& options,
                                                         int batch_size) const {
  if (batch_size < 1) throw UsageError("--batch-size must be at least 1");
  std::vector<RecognizedLine> lines(images.size());
  for (size_t start = 0; start < images.size(); start += batch_size) {
    const size_t end = std::min(images.size(), start + static_cast<size_t>(batch_size));
    const std::vector<RgbImage> batch(images.begin() + start, images.begin() + end);
    decode_batch(batch, options, &lines[start]);
  }
  return lines;
}

std::vector<RecognizedLine> Recognizer::recognize(const std::vector<fs::path>& images,
                                                  const GreedyOptions& options,
                                                  int batch_size) const {
  if (batch_size < 1) throw UsageError("--batch-size must be at least 1");
  std::vector<RecognizedLine> lines(images.size());
  std::vector<size_t> pending;  // lines whose image loaded, waiting for a full batch
  std::vector<RgbImage> pixels;
  std::vector<RecognizedLine> decoded;
  const auto flush = [&] {
    if (pending.empty()) return;
    decoded.assign(pending.size(), RecognizedLine{});
    decode_batch(pixels, options, decoded.data());
    for (size_t i = 0; i < pending.size(); ++i) {
      decoded[i].source = lines[pending[i]].source;
      lines[pending[i]] = std::move(decoded[i]);
    }
    pending.clear();
    pixels.clear();
  };
  for (size_t i = 0; i < images.size(); ++i) {
    lines[i].source = images[i].string();
    try {
      pixels.push_back(load_image(images[i]));
      pending.push_back(i);
    } catch (const Error& e) {
      lines[i].error = e.what();
    }
    if (static_cast<int>(pending.size()) == batch_size) flush();
  }
  flush();
  return lines;
}

}  // namespace mlxocr
