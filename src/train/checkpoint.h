// Training checkpoints: a Hugging Face model folder (config.json, model.safetensors with
// transformers' tensor names, tokenizer, preprocessor and generation files) that
// VisionEncoderDecoderModel.from_pretrained loads, plus what an exact resume needs beside it:
// optimizer.safetensors (AdamW moments) and trainer_state.json (step, data position, seed).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "io/tensor_map.h"
#include "model/model.h"
#include "train/optimizer.h"

namespace mlxocr {

inline constexpr const char* kOptimizerFile = "optimizer.safetensors";
// Name prefix of the training-only tensors (save_checkpoint) inside kOptimizerFile.
inline constexpr const char* kTrainingOnlyPrefix = "param.";
inline constexpr const char* kTrainerStateFile = "trainer_state.json";
// Most optimizer steps a run (and so a saved state) may have: 10^9 steps is over 11 days at
// 1 ms a step, far beyond any fine-tune; a state claiming more is refused on --resume.
inline constexpr long long kMaxTrainingSteps = 1000000000LL;
// Most processes a saved run may have been trained on.
inline constexpr int kMaxWorldSize = 65536;

// Where a run stands. Data order, augmentation and dropout are functions of (seed, position),
// so these numbers are the whole random state of a run.
struct TrainerState {
  long long step = 0;          // optimizer steps taken
  long long samples_seen = 0;  // position in the endless stream of shuffled epochs (global)
  unsigned long long seed = 42;
  long long total_steps = 0;
  bool freeze_encoder = false;
  int world_size = 1;
  AdamWSettings optimizer;
};

// What every checkpoint takes from the model training started from: config.json (torch_dtype
// set to float32, the weights we write) and the tokenizer, preprocessor and generation files.
// Read once when training starts, because that folder may go away while the run goes on (a
// resumed run's own older checkpoint, pruned by --keep-last).
struct SourceModelFiles {
  std::string config_json;
  std::vector<std::pair<std::string, std::string>> others;  // file name, contents
};

// ConfigError when config.json is not a JSON object, FileError when the folder cannot be read.
SourceModelFiles read_source_model_files(const std::filesystem::path& source_model_dir);

// Writes checkpoint `dir` atomically: everything goes into a temporary folder beside it, which
// is renamed to `dir` once complete (an existing `dir` is replaced). `names` are the trainable
// parameters' names (trainable_parameters order) that the optimizer's moments belong to.
// `training_only`: tensors that are trained but not part of the model (the CTC head), kept in
// the optimizer file as "param.<name>" for --resume.
void save_checkpoint(const std::filesystem::path& dir, TrOCRModel& model,
                     const SourceModelFiles& files, const std::vector<std::string>& names,
                     const AdamW& optimizer, const TrainerState& state,
                     const TensorMap& training_only = {});

// The `training_only` tensors save_checkpoint stored in `dir` (names without "param."); empty
// when there are none.
TensorMap load_training_only_tensors(const std::filesystem::path& dir);

// Reads trainer_state.json of a checkpoint; CheckpointError naming the file when it is missing
// or malformed, LimitError when a value is beyond what a run can reach (a step above
// kMaxTrainingSteps or past total_steps, fewer samples seen than steps, optimizer settings out
// of range).
TrainerState load_trainer_state(const std::filesystem::path& dir);

// Restores the AdamW moments of a checkpoint into `optimizer`; CheckpointError when the file is
// missing, malformed, or does not hold a moment of the right shape for every name in `names`.
void load_optimizer_state(const std::filesystem::path& dir, const std::vector<std::string>& names,
                          const std::vector<mx::array>& params, long long steps, AdamW& optimizer);

// "checkpoint-<step>" folders of `output`, oldest (lowest step) first.
std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& output);

// Removes all but the newest `keep_last` checkpoints (keep_last <= 0 keeps all).
void prune_checkpoints(const std::filesystem::path& output, int keep_last);

}  // namespace mlxocr
