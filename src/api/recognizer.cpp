// The public LineRecognizer over the engine's Recognizer: options checked and laid over the
// checkpoint's, views turned into RGB images, results copied into the public types.
#include "mlxocr/recognizer.h"

#include <utility>

#include "api/image_view.h"
#include "api/model_impl.h"
#include "core/option_range.h"

namespace mlxocr {

namespace {

void check_options(const RecognizeOptions& o) {
  check_option_range("RecognizeOptions::batch_size", o.batch_size, 1, kMaxBatchSize);
  check_option_range("RecognizeOptions::min_confidence", o.min_confidence, 0, 1,
                     "the confidences a model gives");
  check_option_range("RecognizeOptions::max_pixels", static_cast<double>(o.max_pixels), 1,
                     static_cast<double>(kMaxImagePixels));
}

std::vector<WordScore> words_of(const std::vector<WordConfidence>& words) {
  std::vector<WordScore> out;
  out.reserve(words.size());
  for (const WordConfidence& w : words)
    out.push_back({w.text, w.confidence});
  return out;
}

template <typename Line>
void copy_reading(const Line& from, LineAlternative& to) {
  to.text = from.text;
  to.token_ids = from.token_ids;
  to.token_logprobs = from.token_logprobs;
  to.confidence = from.confidence;
  to.words = words_of(from.words);
  to.sequence_score = from.sequence_score;
  to.finished = from.finished;
}

LineResult public_line(const RecognizedLine& line) {
  LineResult out;
  out.source = line.source;
  out.error = line.error;
  if (!line.error.empty()) return out;
  copy_reading(line, out);
  for (const LineHypothesis& h : line.alternatives)
    copy_reading(h, out.alternatives.emplace_back());
  return out;
}

std::vector<LineResult> public_lines(std::vector<RecognizedLine>& lines, double min_confidence) {
  apply_min_confidence(lines, min_confidence);
  std::vector<LineResult> out;
  out.reserve(lines.size());
  for (const RecognizedLine& line : lines)
    out.push_back(public_line(line));
  return out;
}

}  // namespace

LineRecognizer::LineRecognizer(Model model) : model_(std::move(model)) {}

std::vector<LineResult> LineRecognizer::recognize(const std::vector<ImageView>& views,
                                                  const RecognizeOptions& options) const {
  check_options(options);
  const Recognizer& engine = model_.impl().recognizer;
  const GenerationConfig config = generation_config(model_.impl(), options.generation);
  std::vector<RgbImage> images;
  images.reserve(views.size());
  for (size_t i = 0; i < views.size(); ++i)
    images.push_back(rgb_from_view(views[i], i, options.max_pixels));
  // An image the encoder cannot take (a processor that does not resize) fails its own line,
  // before it joins a batch, so that it does not take the batch's other images with it.
  std::vector<RecognizedLine> lines(images.size());
  std::vector<RgbImage> readable;
  std::vector<size_t> where;
  for (size_t i = 0; i < images.size(); ++i) {
    if (const std::string why = engine.size_problem(images[i]); !why.empty()) {
      lines[i].error = "image " + std::to_string(i) + ": " + why;
      continue;
    }
    readable.push_back(std::move(images[i]));
    where.push_back(i);
  }
  std::vector<RecognizedLine> read = engine.recognize_images(readable, config, options.batch_size);
  for (size_t k = 0; k < read.size(); ++k)
    lines[where[k]] = std::move(read[k]);
  return public_lines(lines, options.min_confidence);
}

LineResult LineRecognizer::recognize(const ImageView& image,
                                     const RecognizeOptions& options) const {
  return std::move(recognize(std::vector<ImageView>{image}, options).front());
}

std::vector<LineResult> LineRecognizer::recognize_files(const std::vector<std::string>& files,
                                                        const RecognizeOptions& options) const {
  check_options(options);
  const GenerationConfig config = generation_config(model_.impl(), options.generation);
  ImageLimits limits;
  limits.max_pixels = options.max_pixels;
  const std::vector<std::filesystem::path> paths(files.begin(), files.end());
  std::vector<RecognizedLine> lines =
      model_.impl().recognizer.recognize(paths, config, options.batch_size, limits);
  return public_lines(lines, options.min_confidence);
}

}  // namespace mlxocr
