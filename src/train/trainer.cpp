// The training run, in the steps a reader expects (each a function or a Trainer method below):
//   prepare_run            options checked, a resumed run's state read, the output folder locked
//   load_inputs            the model, its processor and tokenizer, the training and eval data
//   plan_schedule          steps per epoch, steps in all, when to evaluate
//   start_optimizer        the trained tensors and AdamW, fresh or as a checkpoint left them
//   prepare_batches        how samples become batches: labels, dropout, augmentation
//   Trainer::take_step     one optimizer step over grad_accum micro-batches (all processes)
//   Trainer::record_step   metrics.jsonl and the progress bar
//   Trainer::evaluate      CER/WER on the eval data with the current weights
//   Trainer::save          a checkpoint transformers loads, plus what --resume needs
//   Trainer::summarise     the summary returned and logged
// Every random draw (data order, augmentation, token dropout, dropout masks) is seeded by the
// run's seed and the stream position, step or micro-batch it belongs to, so that a resumed run
// takes exactly the steps the uninterrupted one would have taken.
#include "train/trainer.h"

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "core/output_lock.h"
#include "core/progress.h"
#include "data/augment.h"
#include "data/dataset.h"
#include "eval/metrics.h"
#include "generate/generate.h"
#include "image/image.h"
#include "image/processor.h"
#include "image/processor_fit.h"
#include "kernels/cpu/blas_threads.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"
#include "model/dropout.h"
#include "model/model.h"
#include "text/tokenizer.h"
#include "train/batch.h"
#include "train/checkpoint.h"
#include "train/metrics_log.h"
#include "train/parameters.h"
#include "train/plot.h"
#include "train/run_output.h"
#include "train/sample_stream.h"
#include "train/step.h"
#include "train/train_options.h"

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

std::string format_duration(double seconds) {
  char text[32];
  const long s = static_cast<long>(seconds);
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  return text;
}

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

// What the run starts from, settled before anything heavy is loaded, so that a bad option, an
// unreadable resume state or an output in use fails at once.
struct RunStart {
  bool main_process = true;  // rank 0: logs, evaluates and writes the checkpoints
  bool resuming = false;
  fs::path source;  // the model folder, or the checkpoint resumed from
  TrainerState state;
  std::unique_ptr<OutputLock> output_lock;  // held for the whole run (rank 0 only)
};

RunStart prepare_run(const TrainOptions& o, const DataParallel& parallel) {
  check_train_options(o);
  RunStart start;
  start.main_process = parallel.is_main();
  start.resuming = !o.resume.empty();
  start.source = start.resuming ? o.resume : o.model;
  if (start.source.empty())
    throw UsageError("TrainOptions::model is required (or TrainOptions::resume CHECKPOINT)");
  if (start.resuming) start.state = load_trainer_state(o.resume);
  if (start.main_process) start.output_lock = prepare_output(o);
  return start;
}

// Every file the run reads before its first step: the model and what comes with it, and the data.
// Read once: the source folder may go away while the run goes on (a resumed run's own older
// checkpoint, pruned by keep_last).
struct RunInputs {
  TrOCRModel model;
  ImageProcessor processor;
  std::unique_ptr<Tokenizer> tokenizer;
  SourceModelFiles source_files;  // what every checkpoint copies
  int max_target_length = 0;      // label tokens per text, start and end included
  std::vector<Sample> train_set, eval_set;
};

// TrainOptions::max_target_length, or its default: 128, or the decoder's positions when fewer.
int target_length(const TrainOptions& o, const ModelConfig& config) {
  const int max_positions = config.decoder.max_position_embeddings;
  const int length = o.max_target_length > 0 ? o.max_target_length : std::min(128, max_positions);
  if (length > max_positions)
    throw UsageError("TrainOptions::max_target_length " + std::to_string(o.max_target_length) +
                     " exceeds the decoder's max_position_embeddings " +
                     std::to_string(max_positions));
  return length;
}

RunInputs load_inputs(const TrainOptions& o, const RunStart& start, std::ostream& log) {
  const fs::path& source = start.source;
  TrOCRModel model = load_model(source, mx::float32);
  share_products_between_our_threads();
  if (model.config.converted)
    throw UsageError(source.string() +
                     ": a folder written by `mlxocr convert` cannot be "
                     "trained; start from the Hugging Face folder");
  ImageProcessor processor(load_image_processor_for(source, model.config.encoder));
  std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(source);
  SourceModelFiles source_files = read_source_model_files(source);
  const int max_target_length = target_length(o, model.config);
  std::vector<Sample> train_set =
      load_training_data(o.train_data, "train", log, start.main_process);
  std::vector<Sample> eval_set;
  if (!o.eval_data.empty())
    eval_set = load_training_data(o.eval_data, "eval", log, start.main_process);
  return {std::move(model),  std::move(processor), std::move(tokenizer), std::move(source_files),
          max_target_length, std::move(train_set), std::move(eval_set)};
}

// How the run walks the data: one step takes per_step samples (every process's micro-batches),
// total_steps of them (max_steps, or the epochs rounded up), evaluating every eval_every steps.
struct Schedule {
  long long per_step = 0, steps_per_epoch = 0, total_steps = 0, eval_every = 0;
};

Schedule plan_schedule(const TrainOptions& o, int world_size, size_t samples) {
  Schedule s;
  s.per_step = static_cast<long long>(o.batch_size) * world_size * o.grad_accum;
  s.steps_per_epoch = (static_cast<long long>(samples) + s.per_step - 1) / s.per_step;
  s.total_steps = o.max_steps > 0
                      ? o.max_steps
                      : static_cast<long long>(std::ceil(o.epochs * samples / s.per_step));
  if (s.total_steps > kMaxTrainingSteps) {
    throw LimitError("", "TrainOptions::epochs",
                     std::to_string(o.epochs) + " epochs of " + std::to_string(samples) +
                         " samples in steps of " + std::to_string(s.per_step) + " are " +
                         std::to_string(s.total_steps) + " steps",
                     std::to_string(kMaxTrainingSteps) + " steps");
  }
  s.eval_every = o.eval_every > 0 ? o.eval_every : s.steps_per_epoch;
  return s;
}

// The tensors trained (the model's, then the CTC head's when there is one), AdamW with its
// moments, and where the run starts: step 0 and stream position 0, or a checkpoint's.
struct OptimizerStart {
  NamedParameters params;
  size_t model_tensors = 0;  // the model's share of params.values
  AdamW optimizer;
  long long step = 0, position = 0;
};

// Also completes `state` (what every checkpoint records) and logs what will be trained. The
// model is not const: its trained tensors are shared, not copied.
OptimizerStart start_optimizer(const TrainOptions& o, const DataParallel& parallel, RunStart& start,
                               RunInputs& inputs, const Schedule& schedule, std::ostream& log) {
  OptimizerStart s{trainable_parameters(inputs.model, o.freeze_encoder), 0, AdamW(o.adamw)};
  s.model_tensors = s.params.values.size();
  if (o.ctc_weight > 0.0f)
    add_ctc_head(s.params, inputs.model.config, o.seed, start.resuming ? o.resume : "");
  TrainerState& state = start.state;
  if (start.resuming) {
    if (state.freeze_encoder != o.freeze_encoder)
      throw UsageError(o.resume.string() + " was trained with" +
                       (state.freeze_encoder ? "" : "out") +
                       " TrainOptions::freeze_encoder; resume with the same setting");
    load_optimizer_state(o.resume, s.params.names, s.params.values, state.step, s.optimizer);
    s.step = state.step;
    s.position = state.samples_seen;
    if (s.step >= schedule.total_steps) {
      throw UsageError(
          o.resume.string() + " is at step " + std::to_string(s.step) + "; this run asks for " +
          std::to_string(schedule.total_steps) +
          " steps in all, so nothing would be trained (raise TrainOptions::max_steps or "
          "TrainOptions::epochs)");
    }
    if (start.main_process)
      log << "resuming from " << o.resume.string() << " at step " << s.step << "\n";
  }
  state.seed = start.resuming ? state.seed : o.seed;
  state.total_steps = schedule.total_steps;
  state.freeze_encoder = o.freeze_encoder;
  state.world_size = parallel.size();
  state.optimizer = o.adamw;
  if (start.main_process) {
    log << "training " << s.params.values.size() << " tensors"
        << (o.freeze_encoder ? " (encoder frozen)" : "") << ", " << inputs.train_set.size()
        << " samples, " << schedule.total_steps << " steps of " << schedule.per_step << " samples ("
        << parallel.size() << " process" << (parallel.size() > 1 ? "es" : "") << ")\n";
  }
  return s;
}

// How samples become training batches: label settings, the dropout of config.json, the token
// used by token dropout, augmentation.
struct BatchRecipe {
  DropoutRates dropout;
  LabelSettings labels;
  int unk_id = -1;
  AugmentOptions augment;
};

BatchRecipe prepare_batches(const TrainOptions& o, const RunStart& start, const RunInputs& inputs,
                            std::ostream& log) {
  BatchRecipe r;
  if (o.dropout) r.dropout = dropout_rates(start.source, log, start.main_process);
  const ModelConfig& config = inputs.model.config;
  r.labels.pad_token_id = config.pad_token_id;
  r.labels.decoder_start_token_id = config.decoder_start_token_id;
  r.labels.max_target_length = inputs.max_target_length;
  if (o.ctc_weight > 0.0f) r.labels.ctc_frames = config.encoder.num_patches();
  r.unk_id = inputs.tokenizer->special_token_ids().unk;
  if (o.token_dropout > 0.0f && r.unk_id < 0)
    throw UsageError(
        "TrainOptions::token_dropout replaces decoder inputs by the unknown token, and " +
        start.source.string() + "'s tokenizer has none");
  r.augment.enabled = o.augment;
  return r;
}

// What one optimizer step measured, summed over the processes.
struct StepFigures {
  double loss = 0, grad_norm = 0, lr = 0;
  mx::array ctc_sum = mx::array(0.0f);  // this process's, for metrics.jsonl
  float normalizer = 1;                 // label tokens of the global batch
};

// The run from its first step to its summary, over what the steps above prepared. Members are
// declared in the order they are built, which is the order of the steps.
class Trainer {
 public:
  Trainer(const TrainOptions& o, const DataParallel& parallel, std::ostream& log)
      : o_(o),
        parallel_(parallel),
        log_(log),
        start_(prepare_run(o, parallel)),
        inputs_(load_inputs(o, start_, log)),
        schedule_(plan_schedule(o, parallel.size(), inputs_.train_set.size())),
        opt_(start_optimizer(o, parallel, start_, inputs_, schedule_, log)),
        recipe_(prepare_batches(o, start_, inputs_, log)),
        stream_(inputs_.train_set.size(), start_.state.seed),
        metrics_(o.output / "metrics.jsonl", opt_.step, start_.main_process),
        gradient_(inputs_.model, o.freeze_encoder, o.label_smoothing, o.ctc_weight,
                  opt_.model_tensors),
        bar_("train", static_cast<size_t>(std::max(0LL, schedule_.total_steps - opt_.step)),
             o.progress && start_.main_process && stderr_is_terminal()),
        started_(std::chrono::steady_clock::now()),
        first_step_(opt_.step) {}

  // Steps until total_steps; the next step's images load on their own thread while a step
  // computes.
  TrainSummary run() {
    std::future<std::vector<StepSamples>> next_samples;
    while (opt_.step < schedule_.total_steps) {
      std::vector<StepSamples> samples =
          next_samples.valid() ? next_samples.get() : load_step(opt_.position);
      if (opt_.step + 1 < schedule_.total_steps) {
        next_samples = std::async(
            std::launch::async,
            [this, from = opt_.position + schedule_.per_step] { return load_step(from); });
      }
      record_step(take_step(samples));
      const long long step = opt_.step;
      if (!inputs_.eval_set.empty() && start_.main_process &&
          (step % schedule_.eval_every == 0 || step == schedule_.total_steps))
        evaluate();
      if ((o_.save_every > 0 && step % o_.save_every == 0) || step == schedule_.total_steps) save();
    }
    return summarise();
  }

 private:
  // The stream position of this process's first sample in micro-batch a of the step that starts
  // at `from`: micro-batch a of the global batch is batch_size * world samples, of which rank r
  // takes the r-th slice.
  long long micro_batch_start(long long from, int a) const {
    return from + static_cast<long long>(a) * o_.batch_size * parallel_.size() +
           static_cast<long long>(parallel_.rank()) * o_.batch_size;
  }

  // This process's samples of the step that starts at stream position `from`, decoded and
  // augmented. Only the stream's order is shared with the main thread, and it is read here
  // alone: the next step's images load on their own thread while this step computes.
  std::vector<StepSamples> load_step(long long from) {
    std::vector<StepSamples> step_samples(o_.grad_accum);
    for (int a = 0; a < o_.grad_accum; ++a) {
      const long long base = micro_batch_start(from, a);
      for (int i = 0; i < o_.batch_size; ++i) {
        const Sample& sample = inputs_.train_set[stream_.at(base + i)];
        RgbImage image = load_image(sample.image);
        if (o_.augment) {
          // Seeded by the sample's stream position: a resumed run augments identically.
          std::mt19937_64 rng(start_.state.seed ^
                              (static_cast<unsigned long long>(base + i) * 0xD1B54A32D192ED03ULL));
          image = mlxocr::augment(image, recipe_.augment, rng);
        }
        step_samples[a].images.push_back(std::move(image));
        step_samples[a].texts.push_back(sample.text);
      }
    }
    return step_samples;
  }

  // The step's micro-batches: pixels, labels, decoder inputs (with token dropout).
  std::vector<TrainingBatch> make_micro_batches(const std::vector<StepSamples>& samples) const {
    std::vector<TrainingBatch> micro;
    for (int a = 0; a < o_.grad_accum; ++a) {
      const long long base = micro_batch_start(opt_.position, a);
      micro.push_back(make_batch(samples[a].images, samples[a].texts, inputs_.processor,
                                 *inputs_.tokenizer, recipe_.labels));
      if (o_.token_dropout > 0.0f) {
        // Seeded by the micro-batch's stream position: a resumed run hides the same tokens.
        std::mt19937_64 rng(start_.state.seed ^
                            (static_cast<unsigned long long>(base) * 0x9E3779B97F4A7C15ULL +
                             0x632BE59BD9B4E019ULL));
        micro.back().decoder_input_ids =
            drop_decoder_inputs(micro.back().decoder_input_ids, o_.token_dropout, recipe_.unk_id,
                                recipe_.labels.pad_token_id, rng);
      }
    }
    return micro;
  }

  // The label tokens of the global batch, the loss's divisor: every process's micro-batches
  // together make the batch one process would take (GradientAccumulation, TwoProcesses tests).
  float global_label_tokens(const std::vector<TrainingBatch>& micro) const {
    float local_tokens = 0;
    for (const TrainingBatch& batch : micro)
      local_tokens += static_cast<float>(batch.label_tokens);
    mx::array global_tokens = parallel_.sum(mx::array(local_tokens));
    mx::eval(global_tokens);
    return global_tokens.item<float>();
  }

  // This process's gradients and loss sums over its micro-batches, each evaluated before the
  // next is built so that only one micro-batch's activations are alive at a time.
  LossAndGrads accumulate_gradients(const std::vector<TrainingBatch>& micro, float normalizer) {
    LossAndGrads total;
    for (size_t a = 0; a < micro.size(); ++a) {
      // Masks drawn from (seed, step, micro-batch, rank): a resumed run drops the same units.
      const TrainingDropout scope(
          recipe_.dropout,
          start_.state.seed * 0xBF58476D1CE4E5B9ULL +
              static_cast<std::uint64_t>((opt_.step * o_.grad_accum + static_cast<long long>(a)) *
                                             parallel_.size() +
                                         parallel_.rank()));
      LossAndGrads part = gradient_(opt_.params.values, micro[a], normalizer);
      total.loss_sum = total.loss_sum + part.loss_sum;
      total.ctc_sum = total.ctc_sum + part.ctc_sum;
      if (total.grads.empty()) {
        total.grads = std::move(part.grads);
      } else {
        for (size_t i = 0; i < total.grads.size(); ++i)
          total.grads[i] = total.grads[i] + part.grads[i];
      }
      std::vector<mx::array> pending = total.grads;
      pending.push_back(total.loss_sum);
      pending.push_back(total.ctc_sum);
      mx::eval(pending);
    }
    return total;
  }

  // One optimizer step: the global batch's gradient (summed over micro-batches and processes),
  // clipped, then AdamW at the schedule's rate. A non-finite loss or norm stops the run before
  // the weights change, naming the last good checkpoint.
  StepFigures take_step(const std::vector<StepSamples>& samples) {
    const std::vector<TrainingBatch> micro = make_micro_batches(samples);
    StepFigures f;
    f.normalizer = global_label_tokens(micro);
    LossAndGrads local = accumulate_gradients(micro, f.normalizer);
    f.ctc_sum = local.ctc_sum;
    const std::vector<mx::array> grads = parallel_.sum(local.grads);
    const mx::array loss_array = parallel_.sum(local.loss_sum) / f.normalizer;
    const GradientClip clipped = clip_grad_norm(grads, o_.grad_clip);
    mx::eval(loss_array, clipped.total_norm);
    f.loss = loss_array.item<float>();
    f.grad_norm = clipped.total_norm.item<float>();
    if (!std::isfinite(f.loss) || !std::isfinite(f.grad_norm)) throw non_finite(f);
    f.lr = o_.adamw.lr * linear_schedule_factor(opt_.step, o_.warmup_steps, schedule_.total_steps);
    opt_.params.values = opt_.optimizer.step(opt_.params.values, grads, f.lr, clipped.scale);
    mx::eval(opt_.params.values);
    std::vector<mx::array> moments = opt_.optimizer.exp_avg();
    moments.insert(moments.end(), opt_.optimizer.exp_avg_sq().begin(),
                   opt_.optimizer.exp_avg_sq().end());
    mx::eval(moments);
    assign_parameters(inputs_.model, model_values(), o_.freeze_encoder);
    ++opt_.step;
    opt_.position += schedule_.per_step;
    summary_.last_loss = f.loss;
    return f;
  }

  TrainingError non_finite(const StepFigures& f) const {
    return TrainingError(
        "step " + std::to_string(opt_.step + 1) + ": the loss is " +
        (std::isfinite(f.loss) ? "finite but the gradient norm is " + std::to_string(f.grad_norm)
                               : std::to_string(f.loss)) +
        "; training stopped" +
        (last_checkpoint_.empty() ? " before any checkpoint was written"
                                  : ", the last good checkpoint is " + last_checkpoint_.string()) +
        " (try a lower TrainOptions::adamw.lr, more TrainOptions::warmup_steps or "
        "TrainOptions::grad_clip)");
  }

  // The model's share of the trained tensors (the CTC head, when there is one, comes after it).
  std::vector<mx::array> model_values() const {
    return std::vector<mx::array>(opt_.params.values.begin(),
                                  opt_.params.values.begin() + opt_.model_tensors);
  }

  // The step's line of metrics.jsonl and the progress bar (every process computes the CTC
  // figure, a sum over the processes; rank 0 writes).
  void record_step(const StepFigures& f) {
    const long long step = opt_.step;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const double samples_per_second =
        (step - first_step_) * schedule_.per_step / std::max(elapsed, 1e-9);
    const double epoch = static_cast<double>(opt_.position) / inputs_.train_set.size();
    nlohmann::json line = {{"step", step},
                           {"epoch", epoch},
                           {"loss", f.loss},
                           {"lr", f.lr},
                           {"grad_norm", f.grad_norm},
                           {"samples_per_second", samples_per_second},
                           {"elapsed_s", elapsed}};
    if (o_.ctc_weight > 0.0f) {
      const mx::array ctc = parallel_.sum(f.ctc_sum) / f.normalizer;
      mx::eval(ctc);
      line["ctc_loss"] = ctc.item<float>();  // per label token, like "loss"
    }
    metrics_.write(line);
    char detail[160];
    std::snprintf(
        detail, sizeof detail, "loss %.4f  lr %.2e  %.1f samples/s  ETA %s", f.loss, f.lr,
        samples_per_second,
        format_duration(elapsed / (step - first_step_) * (schedule_.total_steps - step)).c_str());
    bar_.update(static_cast<size_t>(step - first_step_), detail);
  }

  // Greedy CER/WER of the eval data with the weights as they are now (rank 0 only).
  void evaluate() {
    const int max_positions = inputs_.model.config.decoder.max_position_embeddings;
    const TextMetrics m = evaluate_current_weights(
        inputs_.model, inputs_.eval_set, inputs_.processor, *inputs_.tokenizer,
        std::min(inputs_.max_target_length, max_positions - 1), o_.eval_batch_size);
    metrics_.write({{"step", opt_.step},
                    {"epoch", static_cast<double>(opt_.position) / inputs_.train_set.size()},
                    {"eval_cer", m.cer},
                    {"eval_wer", m.wer},
                    {"eval_exact_match", m.exact_match},
                    {"eval_samples", m.count}});
  }

  // OUTPUT/checkpoint-<step>: the model as transformers loads it, with the optimizer state, the
  // trainer state and the training-only tensors (the CTC head) that a resumed run reads; then
  // the oldest checkpoints beyond keep_last go, and training.png is redrawn (rank 0 only).
  void save() {
    if (!start_.main_process) return;
    TrainerState& state = start_.state;
    state.step = opt_.step;
    state.samples_seen = opt_.position;
    last_checkpoint_ = o_.output / ("checkpoint-" + std::to_string(opt_.step));
    TensorMap training_only;
    for (size_t i = opt_.model_tensors; i < opt_.params.values.size(); ++i)
      training_only.insert_or_assign(opt_.params.names[i], opt_.params.values[i]);
    save_checkpoint(last_checkpoint_, inputs_.model, inputs_.source_files, opt_.params.names,
                    opt_.optimizer, state, training_only);
    prune_checkpoints(o_.output, o_.keep_last);
    write_training_plot(o_.output / "training.png", metrics_.curves());
  }

  TrainSummary summarise() {
    bar_.finish();
    summary_.steps = opt_.step;
    summary_.last_checkpoint = last_checkpoint_;
    if (start_.main_process && !last_checkpoint_.empty()) {
      log_ << "done: " << opt_.step << " steps, last loss " << summary_.last_loss << ", model in "
           << last_checkpoint_.string() << "\n";
    }
    return summary_;
  }

  const TrainOptions& o_;
  const DataParallel& parallel_;
  std::ostream& log_;
  RunStart start_;
  RunInputs inputs_;
  const Schedule schedule_;
  OptimizerStart opt_;
  const BatchRecipe recipe_;
  SampleStream stream_;
  MetricsLog metrics_;
  const LossGradient gradient_;
  ProgressBar bar_;
  const std::chrono::steady_clock::time_point started_;
  const long long first_step_;
  fs::path last_checkpoint_;
  TrainSummary summary_;
};

}  // namespace

TrainSummary train(const TrainOptions& options, const DataParallel& parallel, std::ostream& log) {
  Trainer trainer(options, parallel, log);
  return trainer.run();
}

}  // namespace mlxocr
