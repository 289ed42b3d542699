#include "pipeline/recognizer.h"

#include <algorithm>
#include <cmath>

#include "image/image.h"
#include "image/processor_fit.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

void apply_min_confidence(std::vector<RecognizedLine>& lines, double threshold) {
  for (RecognizedLine& line : lines) {
    if (!line.error.empty()) continue;
    if (line.confidence < threshold) {
      line.text.clear();
      line.words.clear();
    }
    for (LineHypothesis& h : line.alternatives) {
      if (h.confidence < threshold) {
        h.text.clear();
        h.words.clear();
      }
    }
  }
}

void calibrate_confidences(const Calibration& calibration, LineHypothesis& h) {
  if (h.confidence > 0) {
    h.confidence =
        calibration.apply(calibration.line, std::log(h.confidence), h.token_logprobs.size());
  }
  if (!calibration.word) return;
  for (WordConfidence& w : h.words) {
    if (w.confidence > 0)
      w.confidence = calibration.apply(*calibration.word, std::log(w.confidence), w.tokens);
  }
}

Recognizer::Recognizer(const fs::path& model_dir, std::optional<mx::Dtype> dtype)
    : model_(load_model(model_dir, dtype)),
      processor_(load_image_processor_for(model_dir, model_.config.encoder)),
      tokenizer_(load_tokenizer(model_dir)),
      default_config_(load_generation_config(model_dir, model_.config)),
      calibration_(load_calibration(model_dir)) {}

void Recognizer::decode_batch(const std::vector<RgbImage>& images,
                              const std::vector<size_t>& indices, const GenerationConfig& options,
                              RecognizedLine* lines,
                              const std::vector<TokenConstraint*>& constraints) const {
  const std::vector<std::uint64_t> streams(indices.begin(), indices.end());
  const auto results = generate(model_, processor_.batch(images), options, streams, constraints);
  for (size_t i = 0; i < images.size(); ++i) {
    std::vector<LineHypothesis> hypotheses;
    for (const GeneratedSequence& seq : results[i]) {
      LineHypothesis h;
      h.token_ids.assign(seq.tokens.begin() + 1, seq.tokens.end());
      h.token_logprobs = seq.token_logprobs;
      h.finished = seq.finished;
      h.text = tokenizer_->decode(h.token_ids, true);
      h.confidence = line_confidence(h.token_logprobs);
      h.words = word_confidences(*tokenizer_, h.token_ids, h.token_logprobs);
      if (calibration_) calibrate_confidences(*calibration_, h);
      if (seq.sequence_score) h.sequence_score = *seq.sequence_score;
      hypotheses.push_back(std::move(h));
    }
    RecognizedLine& line = lines[i];
    const LineHypothesis& best = hypotheses.front();
    line.text = best.text;
    line.confidence = best.confidence;
    line.token_ids = best.token_ids;
    line.token_logprobs = best.token_logprobs;
    line.finished = best.finished;
    line.words = best.words;
    line.sequence_score = best.sequence_score;
    if (hypotheses.size() > 1) line.alternatives = std::move(hypotheses);
  }
}

std::string Recognizer::size_problem(const RgbImage& image) const {
  const EncoderConfig& encoder = model_.config.encoder;
  if (resizes_images() ||
      (image.width == encoder.image_width && image.height == encoder.image_height)) {
    return "";
  }
  return std::to_string(image.width) + " wide x " + std::to_string(image.height) +
         " high, but the model's image processor does not resize (do_resize false) and its "
         "encoder reads images " +
         std::to_string(encoder.image_width) + " wide x " + std::to_string(encoder.image_height) +
         " high";
}

std::vector<RecognizedLine> Recognizer::recognize_images(
    const std::vector<RgbImage>& images, const GenerationConfig& options, int batch_size,
    const std::vector<TokenConstraint*>& constraints, const BatchRead& on_batch) const {
  if (batch_size < 1) throw UsageError("Recognizer: batch_size must be at least 1");
  std::vector<RecognizedLine> lines(images.size());
  for (size_t start = 0; start < images.size(); start += batch_size) {
    const size_t end = std::min(images.size(), start + static_cast<size_t>(batch_size));
    const std::vector<RgbImage> batch(images.begin() + start, images.begin() + end);
    std::vector<size_t> indices(end - start);
    for (size_t i = 0; i < indices.size(); ++i)
      indices[i] = start + i;
    std::vector<TokenConstraint*> batch_constraints;
    for (size_t i = start; i < end && i < constraints.size(); ++i)
      batch_constraints.push_back(constraints[i]);
    decode_batch(batch, indices, options, &lines[start], batch_constraints);
    if (on_batch) on_batch(end, lines);
  }
  return lines;
}

std::vector<RecognizedLine> Recognizer::recognize(const std::vector<fs::path>& images,
                                                  const GenerationConfig& options, int batch_size,
                                                  const ImageLimits& limits) const {
  if (batch_size < 1) throw UsageError("Recognizer: batch_size must be at least 1");
  validate_generation_config(options, model_.config);  // before any image is read
  std::vector<RecognizedLine> lines(images.size());
  std::vector<size_t> pending;  // lines whose image loaded, waiting for a full batch
  std::vector<RgbImage> pixels;
  std::vector<RecognizedLine> decoded;
  const auto flush = [&] {
    if (pending.empty()) return;
    decoded.assign(pending.size(), RecognizedLine{});
    decode_batch(pixels, pending, options, decoded.data());
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
      RgbImage image = load_image(images[i], limits);
      if (const std::string why = size_problem(image); !why.empty())
        throw ImageError(images[i].string() + ": " + why);
      pixels.push_back(std::move(image));
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
