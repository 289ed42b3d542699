// A training batch as the common TrOCR fine-tuning recipe builds it: pixel values from the image
// processor, labels from the tokenizer (padding masked with -100), decoder inputs from
// transformers' shift_tokens_right.
#pragma once

#include <mlx/array.h>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "image/image.h"
#include "image/processor.h"
#include "text/tokenizer.h"
#include "train/ctc.h"

namespace mlxocr {

namespace mx = mlx::core;

// The label value CrossEntropyLoss(ignore_index=-100) skips.
inline constexpr int kIgnoreIndex = -100;

struct LabelSettings {
  int pad_token_id = 1;            // what -100 becomes in the decoder inputs
  int decoder_start_token_id = 2;  // the first decoder input of every row
  int max_target_length = 128;     // labels longer than this are cut (the end token kept)
  int ctc_frames = 0;              // > 0: also build CTC targets for this many encoder columns
};

struct TrainingBatch {
  mx::array pixel_values = mx::array(0.0f);    // [B, 3, H, W] float32
  mx::array labels = mx::array(0);             // [B, T] int32, -100 where padded
  mx::array decoder_input_ids = mx::array(0);  // [B, T] int32
  int label_tokens = 0;                        // labels that count in the loss
  std::optional<CtcTargets> ctc;  // the labels without start/end tokens, blank = the pad id
};

// tokenizer(text, truncation=True, max_length=max_length).input_ids: the ids with the special
// tokens around them; a longer sequence loses tokens before its final (end) token.
std::vector<int> label_ids(const Tokenizer& tokenizer, const std::string& text, int max_length);

// Rows padded with -100 to the longest one: [rows, longest] int32.
mx::array pad_labels(const std::vector<std::vector<int>>& rows);

// transformers' shift_tokens_right: one position to the right, `decoder_start` in front, -100
// replaced by `pad`.
mx::array shift_tokens_right(const mx::array& labels, int pad, int decoder_start);

// Decoder inputs with each token after the first (the decoder start) replaced by `mask_id` with
// probability `probability`, padding left alone; labels are not touched. A from-scratch model
// whose decoder can guess the next character from the previous ones learns to ignore the image
// (the "language-model plateau"); hiding some of those inputs makes reading the image pay.
mx::array drop_decoder_inputs(const mx::array& decoder_input_ids, float probability, int mask_id,
                              int pad_id, std::mt19937_64& rng);

TrainingBatch make_batch(const std::vector<RgbImage>& images, const std::vector<std::string>& texts,
                         const ImageProcessor& processor, const Tokenizer& tokenizer,
                         const LabelSettings& settings);

}  // namespace mlxocr
