// Image files in, text lines out: the image processor, the model, greedy decoding and the
// tokenizer, put together for `mlxocr recognize` (each image is one text line).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "generate/greedy.h"
#include "image/image.h"
#include "image/processor.h"
#include "model/model.h"
#include "text/tokenizer.h"

namespace mlxocr {

struct RecognizedLine {
  std::string source;  // the image file
  std::string text;
  // exp(mean log-probability of the generated tokens, EOS included): 1 means the model was sure
  // of every token; a geometric mean, so one doubtful character pulls it down visibly.
  double confidence = 0.0;
  std::vector<int> token_ids;  // generated tokens (no start token)
  std::vector<float> token_logprobs;
  bool finished = false;  // false: stopped by max_new_tokens, the text may be cut
  std::string error;      // set when this image could not be read; the others still are
};

// max_new_tokens when the user gives none: the checkpoint's own setting, unless it is an old
// max_length <= 20 that would silently cut fields; then 128. Never more than the decoder has
// positions for (max_position_embeddings, the start token included).
int default_max_new_tokens(const std::filesystem::path& model_dir, const ModelConfig& config);

class Recognizer {
 public:
  explicit Recognizer(const std::filesystem::path& model_dir);

  // Reads every image, `batch_size` at a time; an unreadable image gives a line with `error` set.
  std::vector<RecognizedLine> recognize(const std::vector<std::filesystem::path>& images,
                                        const GreedyOptions& options, int batch_size) const;

  // The same for images already in memory (crops of a page); `source` stays empty.
  std::vector<RecognizedLine> recognize_images(const std::vector<RgbImage>& images,
                                               const GreedyOptions& options, int batch_size) const;

  const TrOCRModel& model() const { return model_; }

 private:
  // Decodes `images` (one batch) into `lines`, which must have the same size.
  void decode_batch(const std::vector<RgbImage>& images, const GreedyOptions& options,
                    RecognizedLine* lines) const;

  TrOCRModel model_;
  ImageProcessor processor_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

}  // namespace mlxocr
