#include "train/batch.h"

#include <mlx/ops.h>
#include <algorithm>

#include "mlxocr/error.h"

namespace mlxocr {

std::vector<int> label_ids(const Tokenizer& tokenizer, const std::string& text, int max_length) {
  std::vector<int> ids = tokenizer.encode(text, true);
  if (max_length >= 2 && static_cast<int>(ids.size()) > max_length) {
    // transformers truncates the text's tokens and keeps the special tokens around them.
    const int last = ids.back();
    ids.resize(max_length - 1);
    ids.push_back(last);
  }
  return ids;
}

mx::array pad_labels(const std::vector<std::vector<int>>& rows) {
  size_t longest = 0;
  for (const auto& row : rows)
    longest = std::max(longest, row.size());
  std::vector<int> values(rows.size() * longest, kIgnoreIndex);
  for (size_t r = 0; r < rows.size(); ++r)
    std::copy(rows[r].begin(), rows[r].end(), values.begin() + r * longest);
  return mx::array(values.data(), {static_cast<int>(rows.size()), static_cast<int>(longest)},
                   mx::int32);
}

mx::array shift_tokens_right(const mx::array& labels, int pad, int decoder_start) {
  const int rows = labels.shape(0), length = labels.shape(1);
  const mx::array start = mx::full({rows, 1}, decoder_start, mx::int32);
  const mx::array body = mx::slice(mx::astype(labels, mx::int32), {0, 0}, {rows, length - 1});
  const mx::array shifted = mx::concatenate({start, body}, 1);
  return mx::where(mx::equal(shifted, mx::array(kIgnoreIndex)), mx::array(pad), shifted);
}

mx::array drop_decoder_inputs(const mx::array& decoder_input_ids, float probability, int mask_id,
                              int pad_id, std::mt19937_64& rng) {
  mx::array ids = mx::astype(decoder_input_ids, mx::int32);
  mx::eval(ids);
  std::vector<int> values(ids.data<int>(), ids.data<int>() + ids.size());
  const int length = ids.shape(1);
  std::bernoulli_distribution drop(probability);
  for (size_t i = 0; i < values.size(); ++i) {
    if (i % length == 0 || values[i] == pad_id) continue;  // the start token; padding
    if (drop(rng)) values[i] = mask_id;
  }
  return mx::array(values.data(), ids.shape(), mx::int32);
}

TrainingBatch make_batch(const std::vector<RgbImage>& images, const std::vector<std::string>& texts,
                         const ImageProcessor& processor, const Tokenizer& tokenizer,
                         const LabelSettings& settings) {
  if (images.size() != texts.size() || images.empty())
    throw UsageError("a training batch needs as many texts as images, and at least one");
  std::vector<std::vector<int>> rows;
  TrainingBatch batch;
  for (const std::string& text : texts) {
    rows.push_back(label_ids(tokenizer, text, settings.max_target_length));
    batch.label_tokens += static_cast<int>(rows.back().size());
  }
  if (settings.ctc_frames > 0) {
    // label_ids wraps every text in the start and end tokens; CTC reads the text alone.
    std::vector<std::vector<int>> texts_only;
    for (const auto& row : rows)
      texts_only.push_back(row.size() > 2 ? std::vector<int>(row.begin() + 1, row.end() - 1)
                                          : std::vector<int>{});
    batch.ctc = make_ctc_targets(texts_only, settings.pad_token_id, settings.ctc_frames);
  }
  batch.pixel_values = processor.batch(images);
  batch.labels = pad_labels(rows);
  batch.decoder_input_ids =
      shift_tokens_right(batch.labels, settings.pad_token_id, settings.decoder_start_token_id);
  return batch;
}

}  // namespace mlxocr
