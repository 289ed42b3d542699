// Image files in, text lines out: the image processor, the model, generate() (greedy, beams or
// sampling) and the tokenizer, put together for `mlxocr recognize` (each image is one text line).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "generate/generate.h"
#include "image/image.h"
#include "image/processor.h"
#include "model/model.h"
#include "pipeline/calibration.h"
#include "pipeline/confidence.h"
#include "text/tokenizer.h"

namespace mlxocr {

// One decoded text of a line: the best one, or an alternative (num_return_sequences > 1).
struct LineHypothesis {
  std::string text;
  std::vector<int> token_ids;  // generated tokens (no start token), EOS included when finished
  std::vector<float> token_logprobs;
  // line_confidence(token_logprobs): exp(mean log-prob, EOS included), mapped by the model's
  // calibration when its folder has one (calibrate_confidences)
  double confidence = 0.0;
  std::vector<WordConfidence> words;
  std::optional<double> sequence_score;  // beam search: transformers' sequences_scores
  bool finished = false;                 // false: stopped by max_new_tokens, the text may be cut
};

struct RecognizedLine {
  std::string source;  // the image file
  std::string text;
  // exp(mean log-probability of the generated tokens, EOS included): 1 means the model was sure
  // of every token; a geometric mean, so one doubtful character pulls it down visibly. With a
  // calibrated model (calibration.json) the calibrated value: the estimated chance the text is
  // exact. Word confidences likewise.
  double confidence = 0.0;
  std::vector<int> token_ids;  // generated tokens (no start token)
  std::vector<float> token_logprobs;
  bool finished = false;              // false: stopped by max_new_tokens, the text may be cut
  std::string error;                  // set when this image could not be read; the others still are
  std::vector<WordConfidence> words;  // whitespace-separated words of `text`, see confidence.h
  std::optional<double> sequence_score;  // beam search: transformers' sequences_scores
  // With num_return_sequences > 1: every returned hypothesis, best first (the first is the line).
  std::vector<LineHypothesis> alternatives;
};

// --min-confidence: lines (and alternatives) whose confidence is below `threshold` get an empty
// text and no words; their tokens and scores stay.
void apply_min_confidence(std::vector<RecognizedLine>& lines, double threshold);

// `h`'s line and word confidences mapped by `calibration` (words only when it has a word map).
// The one place calibration is applied: every reading (recognize, ocr, serve, python) passes here.
void calibrate_confidences(const Calibration& calibration, LineHypothesis& h);

class Recognizer {
 public:
  // `dtype`: the dtype to compute in (load_model's): by default float32 for a Hugging Face
  // folder and the stored dtype for a converted one.
  explicit Recognizer(const std::filesystem::path& model_dir,
                      std::optional<mx::Dtype> dtype = std::nullopt);

  // Reads every image, `batch_size` at a time; an unreadable image, or one whose header declares
  // more than `limits.max_pixels` (default: the process's budget, image/image.h), gives a line
  // with `error` set and is never decoded; the others are still read.
  std::vector<RecognizedLine> recognize(const std::vector<std::filesystem::path>& images,
                                        const GenerationConfig& options, int batch_size,
                                        const ImageLimits& limits = {}) const;

  // The same for images already in memory (crops of a page); `source` stays empty.
  // `constraints[i]` (optional, null: none) keeps image i's text a valid prefix of its type.
  // `on_batch` (optional) is called after each batch: lines [0, decoded) of `lines` are read.
  using BatchRead = std::function<void(size_t decoded, std::vector<RecognizedLine>& lines)>;
  std::vector<RecognizedLine> recognize_images(
      const std::vector<RgbImage>& images, const GenerationConfig& options, int batch_size,
      const std::vector<TokenConstraint*>& constraints = {}, const BatchRead& on_batch = {}) const;

  // Why the encoder cannot read `image` as the processor leaves it, "" when it can. Only a
  // processor that does not resize (do_resize false) leaves a size to check: the image must then
  // have the encoder's image_size. recognize() reports such an image as its line's error,
  // before it joins a batch, so that it does not take the batch's other images with it.
  std::string size_problem(const RgbImage& image) const;
  bool resizes_images() const { return processor_.config().do_resize; }
  const ImageProcessorConfig& processor_config() const { return processor_.config(); }

  const TrOCRModel& model() const { return model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  // The checkpoint's generation settings (load_generation_config), for callers to start from.
  const GenerationConfig& default_config() const { return default_config_; }
  // The folder's calibration.json, nullopt without one (confidences are then raw).
  const std::optional<Calibration>& calibration() const { return calibration_; }

 private:
  // Decodes `images` (one batch) into `lines`, which must have the same size; `indices` are the
  // images' positions in the caller's list (they seed sampling, so a batch's make-up does not
  // change an image's samples).
  void decode_batch(const std::vector<RgbImage>& images, const std::vector<size_t>& indices,
                    const GenerationConfig& options, RecognizedLine* lines,
                    const std::vector<TokenConstraint*>& constraints = {}) const;

  TrOCRModel model_;
  ImageProcessor processor_;
  std::unique_ptr<Tokenizer> tokenizer_;
  GenerationConfig default_config_;
  std::optional<Calibration> calibration_;
};

}  // namespace mlxocr
