// mlxocr recognize --model M IMAGE...: each image is one text line.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "io/default_model.h"
#include "io/model_resolver.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"
#include "mlxocr/pipeline.h"
#include "model/config.h"
#include "pipeline/recognizer.h"

namespace mlxocr::cli {

namespace {

struct RecognizeArgs {
  std::string model;
  std::vector<std::string> images;
  int max_new_tokens = 0;
  int min_new_tokens = 0;
  int num_beams = 1;
  double length_penalty = 1.0;
  std::string early_stopping;
  int no_repeat_ngram_size = 0;
  double repetition_penalty = 1.0;
  bool do_sample = false;
  double temperature = 1.0;
  int top_k = 50;
  double top_p = 1.0;
  std::uint64_t seed = 0;
  int num_return_sequences = 1;
  int batch_size = 8;
  double min_confidence = 0.0;
  std::string format = "text";
};

// The options the user gave, to lay over the checkpoint's own generation settings.
struct GivenOptions {
  CLI::Option *max_new_tokens, *min_new_tokens, *num_beams, *length_penalty, *early_stopping,
      *no_repeat_ngram_size, *repetition_penalty, *do_sample, *temperature, *top_k, *top_p, *seed,
      *num_return_sequences;
};

GenerationConfig generation_config(const std::filesystem::path& model_dir,
                                   const RecognizeArgs& args, const GivenOptions& given) {
  const ModelConfig model = load_model_config(model_dir);
  GenerationConfig config = load_generation_config(model_dir, model);
  for (const std::string& note : config.notes)
    std::cerr << "mlxocr: note: " << note << "\n";
  if (given.max_new_tokens->count()) {
    config.max_new_tokens = args.max_new_tokens;
  } else if (!config.max_new_tokens_note.empty()) {
    std::cerr << "mlxocr: note: " << config.max_new_tokens_note << "\n";
  }
  if (given.min_new_tokens->count()) config.min_new_tokens = args.min_new_tokens;
  if (given.num_beams->count()) config.num_beams = args.num_beams;
  if (given.length_penalty->count()) config.length_penalty = args.length_penalty;
  if (given.early_stopping->count()) {
    config.early_stopping = parse_early_stopping(args.early_stopping, "--early-stopping");
  }
  if (given.no_repeat_ngram_size->count()) config.no_repeat_ngram_size = args.no_repeat_ngram_size;
  if (given.repetition_penalty->count()) config.repetition_penalty = args.repetition_penalty;
  if (given.do_sample->count()) config.do_sample = args.do_sample;
  if (given.temperature->count()) config.temperature = args.temperature;
  if (given.top_k->count()) config.top_k = args.top_k;
  if (given.top_p->count()) config.top_p = args.top_p;
  if (given.seed->count()) config.seed = args.seed;
  if (given.num_return_sequences->count()) config.num_return_sequences = args.num_return_sequences;
  const bool sampling_flag = given.temperature->count() || given.top_k->count() ||
                             given.top_p->count() || given.seed->count();
  if (sampling_flag && !config.do_sample) {
    throw UsageError(
        "--temperature, --top-k, --top-p and --seed only apply to sampling: add "
        "--do-sample");
  }
  validate_generation_settings(config);
  return config;
}

nlohmann::ordered_json words_json(const std::vector<WordConfidence>& words) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const WordConfidence& w : words)
    out.push_back({{"text", w.text}, {"confidence", w.confidence}});
  return out;
}

nlohmann::ordered_json score_json(const std::optional<double>& score) {
  return score ? nlohmann::ordered_json(*score) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json to_json(const RecognizedLine& line) {
  nlohmann::ordered_json j = {{"image", line.source}};
  if (!line.error.empty()) {
    j["error"] = line.error;
    return j;
  }
  j["text"] = line.text;
  j["token_ids"] = line.token_ids;
  j["token_logprobs"] = line.token_logprobs;
  j["confidence"] = line.confidence;
  j["words"] = words_json(line.words);
  j["sequence_score"] = score_json(line.sequence_score);
  j["finished"] = line.finished;
  if (!line.alternatives.empty()) {
    nlohmann::ordered_json alternatives = nlohmann::ordered_json::array();
    for (const LineHypothesis& h : line.alternatives) {
      alternatives.push_back({{"text", h.text},
                              {"token_ids", h.token_ids},
                              {"token_logprobs", h.token_logprobs},
                              {"confidence", h.confidence},
                              {"words", words_json(h.words)},
                              {"sequence_score", score_json(h.sequence_score)},
                              {"finished", h.finished}});
    }
    j["alternatives"] = alternatives;
  }
  return j;
}

int run(const RecognizeArgs& args, const GivenOptions& given) {
  if (args.batch_size < 1) throw UsageError("--batch-size must be at least 1");
  if (args.batch_size > kMaxBatchSize) {
    throw LimitError("", "--batch-size", std::to_string(args.batch_size) + " is too large",
                     std::to_string(kMaxBatchSize));
  }
  check_min_confidence(args.min_confidence);
  const std::filesystem::path model_dir = resolve_model(args.model);
  const GenerationConfig options = generation_config(model_dir, args, given);
  const Recognizer recognizer(model_dir);
  std::vector<std::filesystem::path> files(args.images.begin(), args.images.end());
  auto lines = recognizer.recognize(files, options, args.batch_size);
  apply_min_confidence(lines, args.min_confidence);

  int failures = 0;
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const auto& line : lines) {
    if (!line.error.empty()) {
      ++failures;
      std::cerr << "mlxocr: error: " << line.error << "\n";
    }
    if (args.format == "json") {
      all.push_back(to_json(line));
    } else {
      std::cout << (files.size() > 1 ? line.source + "\t" : "") << line.text << "\n";
    }
  }
  if (args.format == "json") std::cout << all.dump(2) << "\n";
  if (failures) {
    std::cerr << "mlxocr: " << failures << " of " << lines.size() << " images could not be read\n";
  }
  return failures ? 1 : 0;
}

constexpr const char* kManual =
    R"(Each IMAGE is one text line: the whole image goes through the model's image processor, the
encoder reads it once, and the decoder writes the text token by token. Results are those of
transformers' generate() with the same settings (see docs/generation.md).

DEFAULTS. Every decoding option starts from the checkpoint's own settings, read as transformers
reads them (generation_config.json, else config.json, with transformers' legacy fallback to
config.json); a flag overrides its setting. Without any stored setting: greedy search.

LENGTH. --max-new-tokens N is the most tokens generated per line, EOS included. When it is not
given: the checkpoint's max_new_tokens, else its max_length - 1 (max_length counts the start
token) when that is above 20, else 128. A stored max_length of 20 or less -- transformers' default,
which most TrOCR checkpoints carry and which cuts long fields at 20 tokens -- is not used. Never
more than the decoder has positions for (max_position_embeddings - 1). --min-new-tokens N forbids
EOS before N tokens.

SEARCH.
  greedy     (--num-beams 1, no --do-sample) the most likely token at every step.
  beams      --num-beams N > 1 keeps N hypotheses; each step weighs the 2N best continuations.
             A finished hypothesis scores sum(log-probs) / length^F, F = --length-penalty
             (default 1; > 1 favours longer texts, < 1 shorter). --early-stopping true: stop when
             N hypotheses are finished; false (default): stop when no running beam can beat the
             worst finished one, judged at the current length; never: judged at the longest
             possible length (the exact test). --num-return-sequences K (<= N) returns the K best.
  sampling   --do-sample draws each token from the softmax of the scores after --temperature T
             (default 1), --top-k K (default 50; 0 = off) and --top-p P (default 1 = off), in
             that order. --seed S (default 0): the same seed gives the same text, whatever the
             batch. MLX's random generator is not torch's: a seed does not reproduce
             transformers' samples. With --num-beams N > 1: beam sampling.
  --no-repeat-ngram-size N forbids repeating any N tokens in a row; --repetition-penalty F
  (> 1) makes tokens already in the text less likely (applied to the logits in greedy search
  and sampling, to the log-probabilities in beam search, as transformers does).

SCORES.
  token_logprobs  log-softmax of the model's raw logits at each generated token, EOS included
                  (before any penalty or temperature).
  confidence      exp(mean of token_logprobs), in (0, 1]: the geometric mean of the token
                  probabilities; one doubtful character pulls it down visibly. A model folder
                  with a calibration.json (the bundled model has one; `mlxocr inspect` says)
                  maps it to the estimated chance that the line is exact: 0.9 means about 9
                  in 10 such lines are read exactly (on synthetic lines like its training).
  words           the whitespace-separated words of the text, each with exp(mean log-prob of
                  the tokens that make it up; a token holding a space and the start of a word
                  belongs to that word; EOS to none), calibrated likewise when the model is.
  sequence_score  beam search only: transformers' sequences_scores (sum of the processed
                  log-probs / length^length_penalty); null otherwise.
  --min-confidence X: a line whose confidence is below X gets an empty text (and no words); its
  tokens and scores are still reported.

OUTPUT. --format text: one line per image ("FILE<TAB>text" when there are several images).
--format json: an array with one object per image: image, text, token_ids (generated, without the
start token), token_logprobs, confidence, words [{text, confidence}], sequence_score, finished
(false: cut by --max-new-tokens), and alternatives (every returned hypothesis, best first, same
fields) when --num-return-sequences > 1. An unreadable image gets {image, error}, is reported on
stderr with its name, the others are still read, and the exit code is 1.

EXIT CODES. 0: every image read. 1: an image refused (unreadable, corrupt, not an image, or
over --max-pixels from its header, before decoding): one line per image on stderr, and
every other input's result is still written; or a model folder that cannot be used (e.g. a
preprocessor_config.json size other than config.json's encoder image_size). 2: a bad option or
a value beyond a limit, before any image is read. 3: an internal error (a bug).

Example:
  mlxocr recognize --model tests/fixtures/models/deit-trocr --num-beams 4 --format json line.png)";

}  // namespace

Action add_recognize(CLI::App& app) {
  auto* cmd = app.add_subcommand("recognize", "Read one text line from each image");
  auto args = std::make_shared<RecognizeArgs>();
  auto given = std::make_shared<GivenOptions>();
  cmd->add_option("--model,-m", args->model,
                  "Model folder (Hugging Face layout or mlxocr convert output), or a hub id "
                  "org/name[@revision] (default: the bundled model, " +
                      bundled_model_dir().string() + ")");
  cmd->add_option("IMAGE", args->images, "Image files; each is one text line")->required();
  given->max_new_tokens =
      cmd->add_option("--max-new-tokens", args->max_new_tokens,
                      "Most tokens per line, EOS included (default: see LENGTH below)");
  given->min_new_tokens = cmd->add_option("--min-new-tokens", args->min_new_tokens,
                                          "EOS is forbidden before this many tokens (default 0)");
  given->num_beams = cmd->add_option("--num-beams", args->num_beams,
                                     "Beam search with N beams; 1 = greedy search (default 1)");
  given->length_penalty = cmd->add_option("--length-penalty", args->length_penalty,
                                          "Beams: score = sum(log-probs) / length^F (default 1)");
  given->early_stopping = cmd->add_option("--early-stopping", args->early_stopping,
                                          "Beams: true, false or never (default false)");
  given->no_repeat_ngram_size =
      cmd->add_option("--no-repeat-ngram-size", args->no_repeat_ngram_size,
                      "No N-gram of tokens twice (default 0 = off)");
  given->repetition_penalty =
      cmd->add_option("--repetition-penalty", args->repetition_penalty,
                      "> 1 penalizes tokens already generated (default 1 = off)");
  given->do_sample = cmd->add_flag("--do-sample,!--no-sample", args->do_sample,
                                   "Sample tokens instead of searching (default off)");
  given->temperature = cmd->add_option("--temperature", args->temperature,
                                       "Sampling: divide the scores by T (default 1)");
  given->top_k = cmd->add_option("--top-k", args->top_k,
                                 "Sampling: keep the K most likely tokens (default 50, 0 = all)");
  given->top_p = cmd->add_option("--top-p", args->top_p,
                                 "Sampling: keep the most likely tokens up to probability P "
                                 "(default 1 = all)");
  given->seed = cmd->add_option("--seed", args->seed, "Sampling: random seed (default 0)");
  given->num_return_sequences =
      cmd->add_option("--num-return-sequences", args->num_return_sequences,
                      "Beams: the N best hypotheses; sampling: N samples (default 1)");
  cmd->add_option("--batch-size", args->batch_size, "Images decoded together")
      ->capture_default_str();
  cmd->add_option("--min-confidence", args->min_confidence,
                  "Empty text for lines whose confidence (calibrated when the model is) is below X "
                  "(default 0)");
  cmd->add_option("--format", args->format,
                  "text: one line per image; json: text, tokens, scores, words")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  add_max_pixels_option(cmd);
  cmd->footer(kManual);
  return [args, given] { return run(*args, *given); };
}

}  // namespace mlxocr::cli
