#include "train/trainer.h"

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <sstream>
#include <system_error>

#include "core/file_util.h"
#include "core/option_range.h"
#include "core/output_lock.h"
#include "core/progress.h"
#include "data/augment.h"
#include "data/dataset.h"
#include "eval/metrics.h"
#include "generate/generate.h"
#include "image/image.h"
#include "image/processor.h"
#include "image/processor_fit.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"
#include "kernels/cpu/blas_threads.h"
#include "model/dropout.h"
#include "model/model.h"
#include "text/tokenizer.h"
#include "train/batch.h"
#include "train/checkpoint.h"
#include "train/parameters.h"
#include "train/plot.h"
#include "train/sample_stream.h"
#include "train/step.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

// Appends the CTC head (--ctc-weight) to the trained tensors: "ctc_head.weight" [vocab, hidden]
// drawn from N(0, 0.02) as transformers initialises linear layers (seeded), "ctc_head.bias"
// zeros; a resumed run takes both from its checkpoint.
void add_ctc_head(NamedParameters& params, const ModelConfig& config, unsigned long long seed,
                  const fs::path& resume) {
  const int vocab = config.decoder.vocab_size, width = config.encoder.hidden_size;
  mx::array weight = mx::random::normal({vocab, width}, mx::float32, 0.0f, 0.02f,
                                        mx::random::key(seed ^ 0x43544321ULL));
  mx::array bias = mx::zeros({vocab}, mx::float32);
  if (!resume.empty()) {
    const TensorMap saved = load_training_only_tensors(resume);
    const auto w = saved.find("ctc_head.weight"), b = saved.find("ctc_head.bias");
    if (w == saved.end() || b == saved.end())
      throw UsageError(resume.string() +
                       " was trained without TrainOptions::ctc_weight; resume without it");
    if (w->second.shape() != weight.shape() || b->second.shape() != bias.shape())
      throw CheckpointError(resume.string() + ": the saved CTC head does not fit this model");
    weight = w->second;
    bias = b->second;
  }
  params.names.push_back("ctc_head.weight");
  params.values.push_back(weight);
  params.names.push_back("ctc_head.bias");
  params.values.push_back(bias);
}

// Every numeric option in its documented range (docs/security.md), before anything is loaded or
// sized from it: LimitError, exit 2 in the CLI. NaN is outside every range.
void check_option_ranges(const TrainOptions& o) {
  using L = TrainLimits;
  const double steps = static_cast<double>(kMaxTrainingSteps);
  check_option_range("TrainOptions::batch_size", o.batch_size, 1, L::kMaxBatchSize);
  check_option_range("TrainOptions::eval_batch_size", o.eval_batch_size, 1, L::kMaxBatchSize);
  check_option_range("TrainOptions::grad_accum", o.grad_accum, 1, L::kMaxGradAccum);
  check_option_range("TrainOptions::epochs", o.epochs, 0, L::kMaxEpochs);
  check_option_range("TrainOptions::max_steps", static_cast<double>(o.max_steps), 0, steps);
  check_option_range("TrainOptions::warmup_steps", static_cast<double>(o.warmup_steps), 0, steps);
  check_option_range("TrainOptions::save_every", static_cast<double>(o.save_every), 0, steps);
  check_option_range("TrainOptions::eval_every", static_cast<double>(o.eval_every), 0, steps);
  check_option_range("TrainOptions::keep_last", o.keep_last, 0, L::kMaxKeepLast);
  check_option_range("TrainOptions::max_target_length", o.max_target_length, 0,
                     ConfigLimits::kMaxPositions);
  check_option_range("TrainOptions::adamw.weight_decay", o.adamw.weight_decay, 0,
                     L::kMaxWeightDecay);
  check_option_range("TrainOptions::grad_clip", o.grad_clip, 0, L::kMaxGradClip);
  check_option_range("TrainOptions::token_dropout", o.token_dropout, 0, 0.9);
  check_option_range("TrainOptions::ctc_weight", o.ctc_weight, 0, 10);
}

void check_options(const TrainOptions& o) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw UsageError(what);
  };
  check_option_ranges(o);
  // No upper bound: a rate that makes the loss non-finite stops the run with a message (and
  // the tests use one to check that).
  need(o.adamw.lr > 0 && std::isfinite(o.adamw.lr),
       "TrainOptions::adamw.lr must be a positive number");
  need(o.label_smoothing >= 0 && o.label_smoothing < 1,
       "TrainOptions::label_smoothing must be in [0, 1)");
  need(o.max_target_length == 0 || o.max_target_length >= 2,
       "TrainOptions::max_target_length must be at least 2 (start and end tokens)");
  need(o.max_steps > 0 || o.epochs > 0,
       "TrainOptions::epochs must be positive (or give TrainOptions::max_steps)");
  need(!o.overwrite || o.resume.empty(),
       "TrainOptions::resume and TrainOptions::overwrite exclude each other (one continues the run "
       "in the output "
       "folder, the other removes it)");
}

// The checkpoint-<step> folders of an earlier run in `output`, by step.
std::vector<fs::path> earlier_checkpoints(const fs::path& output) {
  std::vector<std::pair<long long, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(output, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) != 0 || !entry.is_directory(ec)) continue;
    char* end = nullptr;
    const long long step = std::strtoll(name.c_str() + 11, &end, 10);
    found.push_back({*end == '\0' ? step : -1, entry.path()});
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> folders;
  for (auto& [step, folder] : found)
    folders.push_back(std::move(folder));
  return folders;
}

// An earlier run in `output` is continued (--resume), replaced (--overwrite) or refused, never
// overwritten checkpoint by checkpoint.
void handle_earlier_run(const TrainOptions& o) {
  const std::vector<fs::path> earlier = earlier_checkpoints(o.output);
  if (earlier.empty() || !o.resume.empty()) return;
  if (!o.overwrite) {
    std::string names;
    for (size_t i = 0; i < earlier.size() && i < 3; ++i)
      names += (i ? ", " : "") + earlier[i].filename().string();
    if (earlier.size() > 3) names += ", ...";
    throw UsageError(o.output.string() + " holds checkpoints of an earlier run (" + names +
                     "); set TrainOptions::resume to " + earlier.back().string() +
                     " to continue it, TrainOptions::overwrite to replace it, or choose another "
                     "TrainOptions::output folder");
  }
  std::vector<fs::path> doomed = earlier;
  for (const char* file : {"metrics.jsonl", "training.png"})
    doomed.push_back(o.output / file);
  for (const fs::path& path : doomed) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec)
      throw FileError(path.string() +
                      ": cannot remove it (TrainOptions::overwrite): " + ec.message());
  }
}

// Fails early, with the folder's name, when the output cannot be written or another run is
// writing it; the lock returned is held for the whole run.
std::unique_ptr<OutputLock> prepare_output(const TrainOptions& o) {
  const fs::path& output = o.output;
  std::error_code ec;
  fs::create_directories(output, ec);
  if (ec || !fs::is_directory(output))
    throw FileError(output.string() + ": cannot create the output folder" +
                    (ec ? ": " + ec.message() : ""));
  auto lock = std::make_unique<OutputLock>(OutputLock::inside(output), output, "train");
  handle_earlier_run(o);
  const fs::path probe = output / (".write-test-" + std::to_string(::getpid()));
  try {
    write_file_atomic(probe, "ok");
  } catch (const Error&) {
    throw FileError(output.string() + ": the output folder is not writable");
  }
  fs::remove(probe, ec);
  return lock;
}

std::string format_duration(double seconds) {
  char text[32];
  const long s = static_cast<long>(seconds);
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  return text;
}

// metrics.jsonl, appended line by line; on resume the lines past the checkpoint's step (from a
// run that died after it) are dropped first, so the file tells one consistent story.
class MetricsLog {
 public:
  MetricsLog(fs::path file, long long resume_step, bool enabled)
      : file_(std::move(file)), enabled_(enabled) {
    if (!enabled_) return;
    std::string kept;
    if (resume_step > 0) {
      std::ifstream in(file_);
      std::string line;
      while (std::getline(in, line)) {
        const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.value("step", 0LL) <= resume_step) kept += line + "\n";
      }
    }
    write_file_atomic(file_, kept);
    out_.open(file_, std::ios::app);
    if (!out_) throw FileError(file_.string() + ": cannot open the metrics file");
  }
  void write(const nlohmann::json& record) {
    if (!enabled_) return;
    out_ << record.dump() << "\n";
    out_.flush();
  }
  // The curves of everything logged so far (for the plot).
  TrainingCurves curves() const {
    TrainingCurves c;
    std::ifstream in(file_);
    std::string line;
    while (std::getline(in, line)) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object()) continue;
      const double step = j.value("step", 0.0);
      if (j.contains("loss")) c.loss.emplace_back(step, j["loss"].get<double>());
      if (j.contains("eval_cer")) c.cer.emplace_back(step, j["eval_cer"].get<double>());
    }
    return c;
  }

 private:
  fs::path file_;
  bool enabled_;
  std::ofstream out_;
};

// Greedy decoding of every eval sample with the current weights, then CER/WER/exact match.
TextMetrics evaluate_current_weights(const TrOCRModel& model, const std::vector<Sample>& samples,
                                     const ImageProcessor& processor, const Tokenizer& tokenizer,
                                     int max_new_tokens, int batch_size) {
  GenerationConfig greedy;
  greedy.num_beams = 1;
  greedy.max_new_tokens = max_new_tokens;
  std::vector<std::string> predictions, references;
  for (size_t start = 0; start < samples.size(); start += batch_size) {
    const size_t end = std::min(samples.size(), start + batch_size);
    std::vector<RgbImage> images;
    for (size_t i = start; i < end; ++i) {
      images.push_back(load_image(samples[i].image));
      references.push_back(samples[i].text);
    }
    for (const GeneratedSequence& seq : greedy_generate(model, processor.batch(images), greedy)) {
      const std::vector<int> ids(seq.tokens.begin() + 1, seq.tokens.end());
      predictions.push_back(tokenizer.decode(ids, true));
    }
  }
  return compute_metrics(predictions, references);
}

// The dropout probabilities of the model's config.json (transformers' names); attention
// dropout, which TrOCR checkpoints leave at 0, is not applied and only noted.
DropoutRates dropout_rates(const fs::path& model_dir, std::ostream& log, bool verbose) {
  const nlohmann::json config =
      nlohmann::json::parse(read_file(model_dir / "config.json", 16u << 20), nullptr, false);
  DropoutRates rates;
  if (!config.is_object()) return rates;
  auto number = [](const nlohmann::json& part, const char* key) {
    return part.is_object() && part.contains(key) && part[key].is_number() ? part[key].get<float>()
                                                                           : 0.0f;
  };
  const nlohmann::json encoder = config.value("encoder", nlohmann::json::object());
  const nlohmann::json decoder = config.value("decoder", nlohmann::json::object());
  rates.encoder_hidden = number(encoder, "hidden_dropout_prob");
  rates.decoder_hidden = number(decoder, "dropout");
  rates.decoder_activation = number(decoder, "activation_dropout");
  for (float p : {rates.encoder_hidden, rates.decoder_hidden, rates.decoder_activation})
    if (p < 0.0f || p >= 1.0f)
      throw ConfigError((model_dir / "config.json").string() + ": a dropout probability is " +
                        std::to_string(p) + ", expected [0, 1)");
  if (verbose && (number(encoder, "attention_probs_dropout_prob") > 0 ||
                  number(decoder, "attention_dropout") > 0))
    log << "note: attention dropout of config.json is not applied (hidden and activation "
           "dropout are)\n";
  return rates;
}

std::vector<Sample> load_training_data(const fs::path& source, const std::string& what,
                                       std::ostream& log, bool verbose) {
  DatasetReport report;
  std::vector<Sample> samples = load_dataset(source, report);
  if (verbose) {
    log << what << ": " << source.string() << ": " << report.kept << " of " << report.rows
        << " rows kept";
    if (!report.problems.empty()) log << ", " << report.problems.size() << " skipped";
    log << "\n";
    const size_t shown = std::min<size_t>(report.problems.size(), 10);
    for (size_t i = 0; i < shown; ++i)
      log << "  skipped " << report.problems[i] << "\n";
    if (report.problems.size() > shown)
      log << "  ... and " << report.problems.size() - shown << " more\n";
  }
  if (samples.empty())
    throw DataError(source.string() + ": no usable " + what + " samples (" +
                    std::to_string(report.rows) + " rows read)");
  return samples;
}

// A training step's products are shared out between our kernels' threads, OpenBLAS left
// single-threaded (blas_threads.h): after each product OpenBLAS's idle workers spin on the core
// that our threaded layer norm, GELU, softmax and AdamW want next (bench/OPTIMISATION.md sections
// 9 and 13). MLXOCR_TRAIN_OWN_THREADS=0 keeps OpenBLAS's threads, for comparisons.
void share_products_between_our_threads() {
  const char* setting = std::getenv("MLXOCR_TRAIN_OWN_THREADS");
  if (setting && std::string(setting) == "0") return;
  mx::synchronize();  // no product in flight while OpenBLAS's threads change
  kernel::leave_blas_single_threaded();
}

// One micro-batch's samples, loaded ahead of the step that uses them.
struct StepSamples {
  std::vector<RgbImage> images;
  std::vector<std::string> texts;
};

}  // namespace

TrainSummary train(const TrainOptions& o, const DataParallel& parallel, std::ostream& log) {
  check_options(o);
  const bool main_process = parallel.is_main();
  const bool resuming = !o.resume.empty();
  const fs::path source = resuming ? o.resume : o.model;
  if (source.empty())
    throw UsageError("TrainOptions::model is required (or TrainOptions::resume CHECKPOINT)");

  TrainerState state;
  if (resuming) state = load_trainer_state(o.resume);
  std::unique_ptr<OutputLock> output_lock;
  if (main_process) output_lock = prepare_output(o);

  TrOCRModel model = load_model(source, mx::float32);
  share_products_between_our_threads();
  if (model.config.converted)
    throw UsageError(source.string() +
                     ": a folder written by `mlxocr convert` cannot be "
                     "trained; start from the Hugging Face folder");
  const ImageProcessor processor(load_image_processor_for(source, model.config.encoder));
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(source);
  const SourceModelFiles source_files = read_source_model_files(source);
  const int max_positions = model.config.decoder.max_position_embeddings;
  const int max_target_length =
      o.max_target_length > 0 ? o.max_target_length : std::min(128, max_positions);
  if (max_target_length > max_positions)
    throw UsageError("TrainOptions::max_target_length " + std::to_string(o.max_target_length) +
                     " exceeds the decoder's max_position_embeddings " +
                     std::to_string(max_positions));

  const std::vector<Sample> train_set =
      load_training_data(o.train_data, "train", log, main_process);
  std::vector<Sample> eval_set;
  if (!o.eval_data.empty()) eval_set = load_training_data(o.eval_data, "eval", log, main_process);

  const long long per_step = static_cast<long long>(o.batch_size) * parallel.size() * o.grad_accum;
  const long long steps_per_epoch =
      (static_cast<long long>(train_set.size()) + per_step - 1) / per_step;
  const long long total_steps =
      o.max_steps > 0 ? o.max_steps
                      : static_cast<long long>(std::ceil(o.epochs * train_set.size() / per_step));
  if (total_steps > kMaxTrainingSteps) {
    throw LimitError("", "TrainOptions::epochs",
                     std::to_string(o.epochs) + " epochs of " + std::to_string(train_set.size()) +
                         " samples in steps of " + std::to_string(per_step) + " are " +
                         std::to_string(total_steps) + " steps",
                     std::to_string(kMaxTrainingSteps) + " steps");
  }
  const long long eval_every = o.eval_every > 0 ? o.eval_every : steps_per_epoch;

  NamedParameters params = trainable_parameters(model, o.freeze_encoder);
  const size_t model_tensors = params.values.size();
  if (o.ctc_weight > 0.0f) add_ctc_head(params, model.config, o.seed, resuming ? o.resume : "");
  // The model's share of params.values (the CTC head, when there is one, comes after it).
  auto model_values = [&]() {
    return std::vector<mx::array>(params.values.begin(), params.values.begin() + model_tensors);
  };
  AdamW optimizer(o.adamw);
  long long step = 0, position = 0;
  if (resuming) {
    if (state.freeze_encoder != o.freeze_encoder)
      throw UsageError(o.resume.string() + " was trained with" +
                       (state.freeze_encoder ? "" : "out") +
                       " TrainOptions::freeze_encoder; resume with the same setting");
    load_optimizer_state(o.resume, params.names, params.values, state.step, optimizer);
    step = state.step;
    position = state.samples_seen;
    if (step >= total_steps) {
      throw UsageError(
          o.resume.string() + " is at step " + std::to_string(step) + "; this run asks for " +
          std::to_string(total_steps) +
          " steps in all, so nothing would be trained (raise TrainOptions::max_steps or "
          "TrainOptions::epochs)");
    }
    if (main_process) log << "resuming from " << o.resume.string() << " at step " << step << "\n";
  }
  state.seed = resuming ? state.seed : o.seed;
  state.total_steps = total_steps;
  state.freeze_encoder = o.freeze_encoder;
  state.world_size = parallel.size();
  state.optimizer = o.adamw;

  if (main_process) {
    log << "training " << params.values.size() << " tensors"
        << (o.freeze_encoder ? " (encoder frozen)" : "") << ", " << train_set.size() << " samples, "
        << total_steps << " steps of " << per_step << " samples (" << parallel.size() << " process"
        << (parallel.size() > 1 ? "es" : "") << ")\n";
  }

  const DropoutRates dropout_probabilities =
      o.dropout ? dropout_rates(source, log, main_process) : DropoutRates{};
  LabelSettings labels;
  labels.pad_token_id = model.config.pad_token_id;
  labels.decoder_start_token_id = model.config.decoder_start_token_id;
  labels.max_target_length = max_target_length;
  if (o.ctc_weight > 0.0f) labels.ctc_frames = model.config.encoder.num_patches();
  const int unk_id = tokenizer->special_token_ids().unk;
  if (o.token_dropout > 0.0f && unk_id < 0)
    throw UsageError(
        "TrainOptions::token_dropout replaces decoder inputs by the unknown token, and " +
        source.string() + "'s tokenizer has none");
  AugmentOptions augment_options;
  augment_options.enabled = o.augment;

  SampleStream stream(train_set.size(), state.seed);
  MetricsLog metrics(o.output / "metrics.jsonl", step, main_process);
  const LossGradient gradient(model, o.freeze_encoder, o.label_smoothing, o.ctc_weight,
                              model_tensors);
  ProgressBar bar("train", static_cast<size_t>(std::max(0LL, total_steps - step)),
                  o.progress && main_process && stderr_is_terminal());
  TrainSummary summary;
  fs::path last_checkpoint;
  const auto started = std::chrono::steady_clock::now();
  const long long first_step = step;

  auto save = [&]() {
    if (!main_process) return;
    state.step = step;
    state.samples_seen = position;
    last_checkpoint = o.output / ("checkpoint-" + std::to_string(step));
    TensorMap training_only;
    for (size_t i = model_tensors; i < params.values.size(); ++i)
      training_only.insert_or_assign(params.names[i], params.values[i]);
    save_checkpoint(last_checkpoint, model, source_files, params.names, optimizer, state,
                    training_only);
    prune_checkpoints(o.output, o.keep_last);
    write_training_plot(o.output / "training.png", metrics.curves());
  };

  // The stream position of this process's first sample in micro-batch a of the step that starts
  // at `from`: micro-batch a of the global batch is batch_size * world samples, of which rank r
  // takes the r-th slice.
  auto micro_batch_start = [&](long long from, int a) {
    return from + static_cast<long long>(a) * o.batch_size * parallel.size() +
           static_cast<long long>(parallel.rank()) * o.batch_size;
  };
  // This process's samples of the step that starts at stream position `from`, decoded and
  // augmented. Only the stream's order is shared with the main thread, and it is read here
  // alone: the next step's images load on their own thread while this step computes.
  auto load_step = [&](long long from) {
    std::vector<StepSamples> step_samples(o.grad_accum);
    for (int a = 0; a < o.grad_accum; ++a) {
      const long long base = micro_batch_start(from, a);
      for (int i = 0; i < o.batch_size; ++i) {
        const Sample& sample = train_set[stream.at(base + i)];
        RgbImage image = load_image(sample.image);
        if (o.augment) {
          // Seeded by the sample's stream position: a resumed run augments identically.
          std::mt19937_64 rng(state.seed ^
                              (static_cast<unsigned long long>(base + i) * 0xD1B54A32D192ED03ULL));
          image = mlxocr::augment(image, augment_options, rng);
        }
        step_samples[a].images.push_back(std::move(image));
        step_samples[a].texts.push_back(sample.text);
      }
    }
    return step_samples;
  };
  std::future<std::vector<StepSamples>> next_samples;

  while (step < total_steps) {
    std::vector<StepSamples> samples =
        next_samples.valid() ? next_samples.get() : load_step(position);
    if (step + 1 < total_steps)
      next_samples = std::async(std::launch::async, load_step, position + per_step);
    std::vector<TrainingBatch> micro;
    float local_tokens = 0;
    for (int a = 0; a < o.grad_accum; ++a) {
      const long long base = micro_batch_start(position, a);
      micro.push_back(
          make_batch(samples[a].images, samples[a].texts, processor, *tokenizer, labels));
      if (o.token_dropout > 0.0f) {
        // Seeded by the micro-batch's stream position: a resumed run hides the same tokens.
        std::mt19937_64 rng(state.seed ^
                            (static_cast<unsigned long long>(base) * 0x9E3779B97F4A7C15ULL +
                             0x632BE59BD9B4E019ULL));
        micro.back().decoder_input_ids = drop_decoder_inputs(
            micro.back().decoder_input_ids, o.token_dropout, unk_id, labels.pad_token_id, rng);
      }
      local_tokens += static_cast<float>(micro.back().label_tokens);
    }
    mx::array global_tokens = parallel.sum(mx::array(local_tokens));
    mx::eval(global_tokens);
    const float normalizer = global_tokens.item<float>();

    std::vector<mx::array> grads;
    mx::array loss_sum = mx::array(0.0f), ctc_sum = mx::array(0.0f);
    for (size_t a = 0; a < micro.size(); ++a) {
      // Masks drawn from (seed, step, micro-batch, rank): a resumed run drops the same units.
      const TrainingDropout scope(
          dropout_probabilities,
          state.seed * 0xBF58476D1CE4E5B9ULL +
              static_cast<std::uint64_t>((step * o.grad_accum + static_cast<long long>(a)) *
                                             parallel.size() +
                                         parallel.rank()));
      LossAndGrads part = gradient(params.values, micro[a], normalizer);
      loss_sum = loss_sum + part.loss_sum;
      ctc_sum = ctc_sum + part.ctc_sum;
      if (grads.empty()) {
        grads = std::move(part.grads);
      } else {
        for (size_t i = 0; i < grads.size(); ++i)
          grads[i] = grads[i] + part.grads[i];
      }
      std::vector<mx::array> pending = grads;
      pending.push_back(loss_sum);
      pending.push_back(ctc_sum);
      mx::eval(pending);
    }
    grads = parallel.sum(grads);
    const mx::array loss_array = parallel.sum(loss_sum) / normalizer;
    const GradientClip clipped = clip_grad_norm(grads, o.grad_clip);
    mx::eval(loss_array, clipped.total_norm);
    const double loss = loss_array.item<float>();
    const double grad_norm = clipped.total_norm.item<float>();
    if (!std::isfinite(loss) || !std::isfinite(grad_norm)) {
      throw TrainingError(
          "step " + std::to_string(step + 1) + ": the loss is " +
          (std::isfinite(loss) ? "finite but the gradient norm is " + std::to_string(grad_norm)
                               : std::to_string(loss)) +
          "; training stopped" +
          (last_checkpoint.empty() ? " before any checkpoint was written"
                                   : ", the last good checkpoint is " + last_checkpoint.string()) +
          " (try a lower TrainOptions::adamw.lr, more TrainOptions::warmup_steps or "
          "TrainOptions::grad_clip)");
    }
    const double lr = o.adamw.lr * linear_schedule_factor(step, o.warmup_steps, total_steps);
    params.values = optimizer.step(params.values, grads, lr, clipped.scale);
    mx::eval(params.values);
    std::vector<mx::array> moments = optimizer.exp_avg();
    moments.insert(moments.end(), optimizer.exp_avg_sq().begin(), optimizer.exp_avg_sq().end());
    mx::eval(moments);
    assign_parameters(model, model_values(), o.freeze_encoder);
    ++step;
    position += per_step;
    summary.last_loss = loss;

    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double samples_per_second = (step - first_step) * per_step / std::max(elapsed, 1e-9);
    const double epoch = static_cast<double>(position) / train_set.size();
    nlohmann::json line = {{"step", step},           {"epoch", epoch},
                           {"loss", loss},           {"lr", lr},
                           {"grad_norm", grad_norm}, {"samples_per_second", samples_per_second},
                           {"elapsed_s", elapsed}};
    if (o.ctc_weight > 0.0f) {
      const mx::array ctc = parallel.sum(ctc_sum) / normalizer;
      mx::eval(ctc);
      line["ctc_loss"] = ctc.item<float>();  // per label token, like "loss"
    }
    metrics.write(line);
    char detail[160];
    std::snprintf(detail, sizeof detail, "loss %.4f  lr %.2e  %.1f samples/s  ETA %s", loss, lr,
                  samples_per_second,
                  format_duration(elapsed / (step - first_step) * (total_steps - step)).c_str());
    bar.update(static_cast<size_t>(step - first_step), detail);

    if (!eval_set.empty() && main_process && (step % eval_every == 0 || step == total_steps)) {
      const TextMetrics m = evaluate_current_weights(model, eval_set, processor, *tokenizer,
                                                     std::min(max_target_length, max_positions - 1),
                                                     o.eval_batch_size);
      metrics.write({{"step", step},
                     {"epoch", epoch},
                     {"eval_cer", m.cer},
                     {"eval_wer", m.wer},
                     {"eval_exact_match", m.exact_match},
                     {"eval_samples", m.count}});
    }
    if ((o.save_every > 0 && step % o.save_every == 0) || step == total_steps) save();
  }
  bar.finish();
  summary.steps = step;
  summary.last_checkpoint = last_checkpoint;
  if (main_process && !last_checkpoint.empty()) {
    log << "done: " << step << " steps, last loss " << summary.last_loss << ", model in "
        << last_checkpoint.string() << "\n";
  }
  return summary;
}

}  // namespace mlxocr
