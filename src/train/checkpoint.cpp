#include "train/checkpoint.h"

#include <unistd.h>

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/file_util.h"
#include "io/safetensors.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"
#include "train/parameters.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

// Files of the source model that a checkpoint must not inherit: its weights (replaced by ours)
// and the training state of an earlier run.
bool is_weight_or_state_file(const std::string& name) {
  auto starts = [&](const char* p) { return name.rfind(p, 0) == 0; };
  auto ends = [&](const char* t) {
    const std::string tail(t);
    return name.size() >= tail.size() &&
           name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  return name == "config.json" || starts("model.safetensors") || starts("model-") ||
         starts("pytorch_model") || name == "mlxocr.safetensors" || name == kOptimizerFile ||
         name == kTrainerStateFile || ends(".bin") || ends(".safetensors") || ends(".png") ||
         ends(".jsonl");
}

// Tokenizer, preprocessor and generation files are small; a file this big is not one of them.
constexpr std::uintmax_t kMaxModelFileBytes = std::uintmax_t{1} << 30;

nlohmann::json state_json(const TrainerState& s) {
  return {{"format", "mlxocr-trainer-state-1"},
          {"step", s.step},
          {"samples_seen", s.samples_seen},
          {"seed", s.seed},
          {"total_steps", s.total_steps},
          {"freeze_encoder", s.freeze_encoder},
          {"world_size", s.world_size},
          {"optimizer",
           {{"name", "AdamW"},
            {"lr", s.optimizer.lr},
            {"betas", {s.optimizer.beta1, s.optimizer.beta2}},
            {"eps", s.optimizer.eps},
            {"weight_decay", s.optimizer.weight_decay}}}};
}

}  // namespace

SourceModelFiles read_source_model_files(const fs::path& source) {
  SourceModelFiles files;
  nlohmann::json config =
      nlohmann::json::parse(read_file(source / "config.json", 16u << 20), nullptr, false);
  if (config.is_discarded() || !config.is_object())
    throw ConfigError((source / "config.json").string() + ": not a JSON object");
  config["torch_dtype"] = "float32";  // the weights we write
  files.config_json = config.dump(2) + "\n";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(source, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || is_weight_or_state_file(name)) continue;
    files.others.emplace_back(name, read_file(entry.path(), kMaxModelFileBytes));
  }
  if (ec) throw FileError(source.string() + ": cannot list the model folder: " + ec.message());
  return files;
}

void save_checkpoint(const fs::path& dir, TrOCRModel& model, const SourceModelFiles& files,
                     const std::vector<std::string>& names, const AdamW& optimizer,
                     const TrainerState& state, const TensorMap& training_only) {
  const fs::path tmp =
      dir.parent_path() / ("." + dir.filename().string() + ".tmp-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) throw FileError(tmp.string() + ": cannot create the checkpoint folder: " + ec.message());
  try {
    for (const auto& [name, contents] : files.others)
      write_file_atomic(tmp / name, contents);
    write_file_atomic(tmp / "config.json", files.config_json);
    TensorMap weights = model_tensors_hugging_face(model);
    for (auto& [name, value] : weights)
      value = mx::contiguous(mx::astype(value, mx::float32));
    save_safetensors(tmp / "model.safetensors", weights, {{"format", "pt"}});
    TensorMap moments;
    for (size_t i = 0; i < optimizer.exp_avg().size() && i < names.size(); ++i) {
      moments.insert_or_assign("exp_avg." + names[i], optimizer.exp_avg()[i]);
      moments.insert_or_assign("exp_avg_sq." + names[i], optimizer.exp_avg_sq()[i]);
    }
    for (const auto& [name, value] : training_only)
      moments.insert_or_assign(std::string(kTrainingOnlyPrefix) + name, value);
    save_safetensors(tmp / kOptimizerFile, moments,
                     {{"step", std::to_string(optimizer.steps_taken())}});
    write_file_atomic(tmp / kTrainerStateFile, state_json(state).dump(2) + "\n");
    fs::remove_all(dir, ec);
    fs::rename(tmp, dir, ec);
    if (ec)
      throw FileError(dir.string() + ": cannot move the checkpoint into place: " + ec.message());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

namespace {

// Checked on the JSON numbers, before they are read as long long (2^64 - 1 would read as -1).
void check_step_counts(const nlohmann::json& j, const std::string& file) {
  for (const char* key : {"step", "total_steps"}) {
    const nlohmann::json& v = j.at(key);
    if (!v.is_number_integer()) continue;  // reported as corrupted by the reader
    if (v.is_number_unsigned() ? v.get<unsigned long long>() > kMaxTrainingSteps
                               : v.get<long long>() > kMaxTrainingSteps) {
      throw LimitError(file, key, v.dump() + " steps", std::to_string(kMaxTrainingSteps));
    }
  }
}

// The saved position must be one this trainer could have reached: a step beyond
// kMaxTrainingSteps or past the run's own total (10^18, say) would resume into a loop that
// trains nothing, and optimizer settings out of range would poison every later step.
void check_trainer_state_limits(const TrainerState& s, const nlohmann::json& j,
                                const std::string& file) {
  const auto refuse = [&](const std::string& field, const std::string& problem,
                          const std::string& limit) {
    throw LimitError(file, field, problem, limit);
  };
  if (s.step > s.total_steps) {
    refuse(
        "step",
        std::to_string(s.step) + " is past the run's total_steps " + std::to_string(s.total_steps),
        "total_steps");
  }
  // Every step reads at least one sample per process; a position beyond 2^53 is not exact in
  // the float64 JSON readers use.
  const nlohmann::json& seen = j.at("samples_seen");
  if (seen.is_number_unsigned() && seen.get<unsigned long long>() > (1ULL << 53)) {
    refuse("samples_seen", seen.dump(), "2^53");
  }
  if (s.samples_seen < s.step) {
    refuse("samples_seen",
           std::to_string(s.samples_seen) + " is less than step " + std::to_string(s.step) +
               " (each step reads at least one sample)",
           "at least step");
  }
  if (s.world_size > kMaxWorldSize) {
    refuse("world_size", std::to_string(s.world_size), std::to_string(kMaxWorldSize));
  }
  const AdamWSettings& o = s.optimizer;
  const auto in = [&](const char* field, double value, double least, double most, bool open_top) {
    if (!(value >= least && (open_top ? value < most : value <= most))) {
      char range[64];
      std::snprintf(range, sizeof range, "[%g, %g%c", least, most, open_top ? ')' : ']');
      refuse(std::string("optimizer.") + field, nlohmann::json(value).dump() + " is out of range",
             range);
    }
  };
  in("lr", o.lr, 0, 1e3, false);
  in("betas[0]", o.beta1, 0, 1, true);
  in("betas[1]", o.beta2, 0, 1, true);
  in("eps", o.eps, 1e-30, 1, false);
  in("weight_decay", o.weight_decay, 0, 1e3, false);
}

}  // namespace

TrainerState load_trainer_state(const fs::path& dir) {
  const fs::path file = dir / kTrainerStateFile;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    throw CheckpointError(dir.string() + ": not a training checkpoint (" + kTrainerStateFile +
                          " is missing)");
  }
  const nlohmann::json j = nlohmann::json::parse(read_file(file, 1u << 20), nullptr, false);
  TrainerState s;
  try {
    if (j.is_discarded() || !j.is_object()) throw std::runtime_error("not a JSON object");
    if (j.value("format", "") != "mlxocr-trainer-state-1")
      throw std::runtime_error("unknown format (expected mlxocr-trainer-state-1)");
    check_step_counts(j, file.string());
    s.step = j.at("step").get<long long>();
    s.samples_seen = j.at("samples_seen").get<long long>();
    s.seed = j.at("seed").get<unsigned long long>();
    s.total_steps = j.at("total_steps").get<long long>();
    s.freeze_encoder = j.at("freeze_encoder").get<bool>();
    s.world_size = j.at("world_size").get<int>();
    const nlohmann::json& o = j.at("optimizer");
    s.optimizer.lr = o.at("lr").get<double>();
    s.optimizer.beta1 = o.at("betas").at(0).get<double>();
    s.optimizer.beta2 = o.at("betas").at(1).get<double>();
    s.optimizer.eps = o.at("eps").get<double>();
    s.optimizer.weight_decay = o.at("weight_decay").get<double>();
    if (s.step < 0 || s.samples_seen < 0 || s.total_steps < 0 || s.world_size < 1)
      throw std::runtime_error("negative step, position or world size");
  } catch (const LimitError&) {
    throw;
  } catch (const std::exception& e) {
    throw CheckpointError(file.string() + ": corrupted trainer state: " + e.what());
  }
  check_trainer_state_limits(s, j, file.string());
  return s;
}

TensorMap load_training_only_tensors(const fs::path& dir) {
  const fs::path file = dir / kOptimizerFile;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw CheckpointError(dir.string() + ": " + kOptimizerFile + " is missing, cannot resume");
  TensorMap out;
  const std::string prefix = kTrainingOnlyPrefix;
  for (auto& [name, value] : load_safetensors(file))
    if (name.rfind(prefix, 0) == 0) out.insert_or_assign(name.substr(prefix.size()), value);
  return out;
}

void load_optimizer_state(const fs::path& dir, const std::vector<std::string>& names,
                          const std::vector<mx::array>& params, long long steps, AdamW& optimizer) {
  const fs::path file = dir / kOptimizerFile;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw CheckpointError(dir.string() + ": " + kOptimizerFile + " is missing, cannot resume");
  TensorMap moments = load_safetensors(file);
  if (steps == 0 && moments.empty()) return;  // saved before the first step
  auto moment = [&](const std::string& kind, size_t i) {
    auto found = moments.find(kind + names[i]);
    if (found == moments.end())
      throw CheckpointError(
          file.string() + ": no " + kind + names[i] +
          " (corrupted, or saved with another TrainOptions::freeze_encoder setting)");
    if (found->second.shape() != params[i].shape() || found->second.dtype() != mx::float32)
      throw CheckpointError(file.string() + ": " + kind + names[i] +
                            " does not have the parameter's shape and float32 dtype");
    return found->second;
  };
  std::vector<mx::array> exp_avg, exp_avg_sq;
  for (size_t i = 0; i < names.size(); ++i) {
    exp_avg.push_back(moment("exp_avg.", i));
    exp_avg_sq.push_back(moment("exp_avg_sq.", i));
  }
  optimizer.restore(steps, std::move(exp_avg), std::move(exp_avg_sq));
}

std::vector<fs::path> list_checkpoints(const fs::path& output) {
  std::vector<std::pair<long long, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(output, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.rfind("checkpoint-", 0) != 0) continue;
    try {
      size_t used = 0;
      const long long step = std::stoll(name.substr(11), &used);
      if (used == name.size() - 11) found.emplace_back(step, entry.path());
    } catch (const std::exception&) {
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& [step, path] : found)
    out.push_back(path);
  return out;
}

void prune_checkpoints(const fs::path& output, int keep_last) {
  if (keep_last <= 0) return;
  const std::vector<fs::path> all = list_checkpoints(output);
  std::error_code ec;
  for (size_t i = 0; i + keep_last < all.size(); ++i)
    fs::remove_all(all[i], ec);
}

}  // namespace mlxocr
