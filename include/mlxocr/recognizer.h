// Text lines from images: each image (in memory or a file) is one line, read by a loaded Model
// with transformers' generate() semantics, as `mlxocr recognize` reads its files.
//
//   mlxocr::LineRecognizer reader(mlxocr::Model::load(""));  // the bundled model
//   mlxocr::ImageView view{.width = w, .height = h, .channels = 1, .data = gray_pixels};
//   mlxocr::RecognizeOptions options;
//   options.generation.num_beams = 4;
//   mlxocr::LineResult line = reader.recognize(view, options);
//   std::cout << line.text << " (" << line.confidence << ")\n";
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mlxocr/generation.h"
#include "mlxocr/image_view.h"
#include "mlxocr/limits.h"
#include "mlxocr/model.h"

namespace mlxocr {

// A whitespace-separated word of a text with exp(mean log-probability of its tokens).
struct WordScore {
  std::string text;
  double confidence = 0;
};

// One decoded text of a line: the best one, or an alternative (num_return_sequences > 1).
struct LineAlternative {
  std::string text;
  std::vector<int> token_ids;         // generated tokens (no start token), EOS included
  std::vector<float> token_logprobs;  // log-softmax of the raw logits at each generated token
  double confidence = 0;              // exp(mean of token_logprobs), in (0, 1]
  std::vector<WordScore> words;
  std::optional<double> sequence_score;  // beam search: transformers' sequences_scores
  bool finished = false;                 // false: cut by max_new_tokens
};

struct LineResult : LineAlternative {
  std::string source;  // the file (recognize_files), empty for an image in memory
  // Why this image could not be read (the other images still were); the other fields are empty.
  std::string error;
  // With num_return_sequences > 1: every returned hypothesis, best first (the first is the line).
  std::vector<LineAlternative> alternatives;
};

struct RecognizeOptions {
  GenerationOptions generation;  // unset fields: the checkpoint's settings
  int batch_size = 8;            // images decoded together, 1..kMaxBatchSize
  // Lines (and alternatives) whose confidence is below this get an empty text and no words;
  // their tokens and scores stay. 0..1.
  double min_confidence = 0;
  // Images with more pixels than this are refused (a file: from its header, before decoding).
  std::uint64_t max_pixels = kDefaultMaxImagePixels;  // 1..kMaxImagePixels
};

// Cheap to copy (it shares the Model). const methods may be called from several threads at once
// only where MLX allows concurrent evaluation on the device in use; one reader per thread is the
// safe pattern.
class LineRecognizer {
 public:
  explicit LineRecognizer(Model model);

  // One result per image, in order. A view that is not an image (no data, a size or channel
  // count out of range, a stride shorter than a row) is a programming error: ImageError naming
  // its index, before anything is decoded. An image the model cannot take gets `error`.
  std::vector<LineResult> recognize(const std::vector<ImageView>& images,
                                    const RecognizeOptions& options = {}) const;
  LineResult recognize(const ImageView& image, const RecognizeOptions& options = {}) const;

  // PNG, JPEG, TIFF, BMP or WebP files, read as PIL reads them; an unreadable file gets `error`
  // and the others are still read.
  std::vector<LineResult> recognize_files(const std::vector<std::string>& files,
                                          const RecognizeOptions& options = {}) const;

  const Model& model() const { return model_; }

 private:
  Model model_;
};

}  // namespace mlxocr
