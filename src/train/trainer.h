// `mlxocr train`: fine-tuning a TrOCR model on image/text pairs (the loop of transformers'
// Seq2SeqTrainer with the common TrOCR recipe), with checkpoints transformers loads back.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "train/data_parallel.h"
#include "train/optimizer.h"

namespace mlxocr {

// The ranges of TrainOptions' numbers, checked before the model or the data is loaded (a
// LimitError names the option and the range; steps are bounded by kMaxTrainingSteps, 10^9).
// Batches are as large as `ocr`'s (each sample holds its pixels, activations and gradients);
// the rest are far beyond any fine-tune and keep every product of them inside 64 bits.
struct TrainLimits {
  static constexpr int kMaxBatchSize = 256;     // --batch-size, --eval-batch-size
  static constexpr int kMaxGradAccum = 65536;   // micro-batches per step
  static constexpr double kMaxEpochs = 1e6;     // and at most 10^9 steps in all
  static constexpr int kMaxKeepLast = 1000000;  // checkpoints kept
  static constexpr double kMaxWeightDecay = 100;
  static constexpr double kMaxGradClip = 1e9;  // a norm; 0 turns clipping off
};

struct TrainOptions {
  std::filesystem::path model;       // Hugging Face folder to start from
  std::filesystem::path train_data;  // CSV/TSV, JSONL or a folder with .txt sidecars
  std::filesystem::path eval_data;   // optional
  std::filesystem::path output;      // checkpoints, metrics.jsonl, training.png
  std::filesystem::path resume;      // a checkpoint folder to continue from
  // An output holding checkpoints of an earlier run is refused unless resuming, or with this
  // set: the earlier checkpoints, metrics.jsonl and training.png are then removed first.
  bool overwrite = false;
  double epochs = 3.0;
  long long max_steps = 0;  // > 0 overrides epochs
  int batch_size = 8;       // per process
  int grad_accum = 1;
  AdamWSettings adamw;  // lr 5e-5, betas (0.9, 0.999), eps 1e-8, weight decay 0
  long long warmup_steps = 0;
  double grad_clip = 1.0;
  float label_smoothing = 0.0f;
  int max_target_length = 0;  // 0: 128, or the decoder's positions when it has fewer
  bool freeze_encoder = false;
  long long eval_every = 0;  // steps; 0: at the end of every epoch
  long long save_every = 500;
  int keep_last = 0;  // 0 keeps every checkpoint
  unsigned long long seed = 42;
  bool augment = false;
  float token_dropout = 0.0f;  // decoder inputs replaced by <unk> (drop_decoder_inputs)
  float ctc_weight = 0.0f;     // > 0: + ctc_weight x CTC of a head on the encoder (ctc.h)
  bool dropout = true;         // the dropout of config.json; false: none (as in the parity tests)
  int eval_batch_size = 8;
  bool progress = true;
};

struct TrainSummary {
  long long steps = 0;
  double last_loss = 0.0;
  std::filesystem::path last_checkpoint;
};

// Runs the training; throws mlxocr errors (DataError, UsageError, FileError, CheckpointError,
// TrainingError for a non-finite loss) with one-line messages. `log` gets the human summary
// lines; metrics go to output/metrics.jsonl.
TrainSummary train(const TrainOptions& options, const DataParallel& parallel, std::ostream& log);

}  // namespace mlxocr
