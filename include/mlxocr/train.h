// Fine-tuning a TrOCR model on image/text pairs: the loop of transformers' Seq2SeqTrainer with the
// common TrOCR recipe, writing checkpoints that transformers and every mlxocr command load back
// (what `mlxocr train` runs; docs/training.md).
//
//   mlxocr::TrainOptions options;
//   options.model = "microsoft/trocr-small-printed";  // or a Hugging Face folder
//   options.train_data = "data/train.csv";
//   options.output = "runs/forms";
//   options.max_steps = 2000;
//   mlxocr::TrainSummary done = mlxocr::train(options, std::cerr);
//   std::cout << done.last_checkpoint << "\n";
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

namespace mlxocr {

// The ranges of TrainOptions' numbers, checked before the model or the data is loaded (a
// LimitError names the field and the range; steps are bounded by 10^9 in all). Batches are as
// large as the recognizer's (each sample holds its pixels, activations and gradients); the rest
// are far beyond any fine-tune and keep every product of them inside 64 bits.
struct TrainLimits {
  static constexpr int kMaxBatchSize = 256;     // batch_size, eval_batch_size
  static constexpr int kMaxGradAccum = 65536;   // micro-batches per step
  static constexpr double kMaxEpochs = 1e6;     // and at most 10^9 steps in all
  static constexpr int kMaxKeepLast = 1000000;  // checkpoints kept
  static constexpr double kMaxWeightDecay = 100;
  static constexpr double kMaxGradClip = 1e9;  // a norm; 0 turns clipping off
};

// torch.optim.AdamW's settings (the recipe's defaults).
struct AdamWSettings {
  double lr = 5e-5;  // the peak learning rate; the schedule scales it
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

struct TrainOptions {
  // Where to start: a Hugging Face model folder or a hub id "org/name[@revision]" (from the local
  // hub cache, downloaded into it when absent). Not a folder `mlxocr convert` wrote.
  std::filesystem::path model;
  std::filesystem::path train_data;  // CSV/TSV, JSONL or a folder with .txt sidecars (docs/data.md)
  std::filesystem::path eval_data;   // optional; decoded greedily for CER/WER
  std::filesystem::path output;      // checkpoint-<step>/, metrics.jsonl, training.png
  std::filesystem::path resume;      // a checkpoint folder of an earlier run to continue from
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
  float token_dropout = 0.0f;  // decoder inputs replaced by the unknown token, labels unchanged
  float ctc_weight = 0.0f;     // > 0: + ctc_weight x CTC of a linear head on the encoder
  bool dropout = true;         // the dropout of config.json; false: none (as in the parity tests)
  int eval_batch_size = 8;
  bool progress = true;  // a progress bar on stderr when it is a terminal
  // Data parallelism over processes (MLX's distributed layer): "any", "ring" or "mpi". A process
  // joins the group its environment describes (MLX_RANK + MLX_HOSTFILE, or an MPI launch) and
  // takes batch_size samples of every micro-batch; without such an environment it trains alone.
  std::string distributed_backend = "any";
};

struct TrainSummary {
  long long steps = 0;  // optimizer steps taken in all (a resumed run's earlier ones included)
  double last_loss = 0.0;
  std::filesystem::path last_checkpoint;  // empty in a process other than rank 0
};

// Runs the training. Throws mlxocr errors with one-line messages naming the TrainOptions field or
// the file at fault: UsageError (LimitError for a number out of range), DataError, FileError,
// HubError, ConfigError, CheckpointError, and TrainingError for a non-finite loss (the
// checkpoints already written stay usable). `log` gets the human summary lines; every step's
// figures go to output/metrics.jsonl.
TrainSummary train(const TrainOptions& options, std::ostream& log);

}  // namespace mlxocr
