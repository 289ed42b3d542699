// mlxocr eval --model M --data DATA: CER, WER and exact matches of a model on a labelled dataset.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/file_util.h"
#include "core/option_range.h"
#include "core/progress.h"
#include "eval/evaluate.h"
#include "io/model_resolver.h"
#include "mlxocr/error.h"
#include "mlxocr/pipeline.h"
#include "model/config.h"

namespace mlxocr::cli {

namespace {

struct EvalArgs {
  std::string model, data, json;
  int batch_size = 8;
  int num_beams = 1;
  int max_new_tokens = 0;
  size_t worst = kDefaultWorstExamples;
};

// Bad rows on stderr: every one up to this many, then a count, so a broken file does not flood.
constexpr size_t kProblemsShown = 20;
// --worst: lines listed on stdout and in --json; more is a listing of the whole dataset.
constexpr double kMostWorstShown = 1e6;

std::string percent(double rate) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f %%", 100.0 * rate);
  return text;
}

void report_problems(const std::vector<std::string>& problems, const std::string& what) {
  for (size_t i = 0; i < problems.size() && i < kProblemsShown; ++i)
    std::cerr << "mlxocr: skipped " << what << ": " << problems[i] << "\n";
  if (problems.size() > kProblemsShown) {
    std::cerr << "mlxocr: ... and " << problems.size() - kProblemsShown << " more skipped " << what
              << "s (all of them are in --json)\n";
  }
}

GenerationConfig generation_config(const std::filesystem::path& model_dir, const EvalArgs& args,
                                   bool beams_given, bool length_given) {
  const ModelConfig model = load_model_config(model_dir);
  GenerationConfig config = load_generation_config(model_dir, model);
  if (beams_given) config.num_beams = args.num_beams;
  if (length_given) config.max_new_tokens = args.max_new_tokens;
  // Evaluation measures the model's best reading: one hypothesis, never a sample.
  config.do_sample = false;
  config.num_return_sequences = 1;
  validate_generation_settings(config);
  return config;
}

void print_summary(const EvalArgs& args, const DatasetReport& report, const EvalResult& result) {
  const TextMetrics& m = result.metrics;
  std::cout << "data          " << args.data << ": " << report.rows << " rows, " << m.count
            << " evaluated, " << report.problems.size() + result.problems.size() << " skipped\n";
  std::cout << "CER           " << percent(m.cer) << "  (" << m.char_errors << " edits / "
            << m.reference_chars << " characters)\n";
  std::cout << "WER           " << percent(m.wer) << "  (" << m.word_errors << " edits / "
            << m.reference_words << " words)\n";
  std::cout << "exact match   " << percent(m.exact_match) << "  (" << m.exact << " / " << m.count
            << " lines)\n";
  if (m.worst.empty()) return;
  std::cout << "worst " << m.worst.size() << ":\n";
  for (const LineScore& s : m.worst) {
    std::cout << "  CER " << percent(s.cer()) << "  " << result.images[s.index].string() << "\n"
              << "    reference: " << s.reference << "\n"
              << "    predicted: " << s.prediction << "\n";
  }
}

nlohmann::ordered_json line_json(const LineScore& s, const EvalResult& result) {
  return {{"image", result.images[s.index].string()},  {"reference", result.references[s.index]},
          {"prediction", result.predictions[s.index]}, {"char_errors", s.char_errors},
          {"reference_chars", s.reference_chars},      {"word_errors", s.word_errors},
          {"reference_words", s.reference_words},      {"cer", s.cer()}};
}

std::string to_json(const EvalArgs& args, const DatasetReport& report, const EvalResult& result,
                    const GenerationConfig& config) {
  const TextMetrics& m = result.metrics;
  nlohmann::ordered_json j = {
      {"model", args.model},
      {"data", args.data},
      {"num_beams", config.num_beams},
      {"max_new_tokens", config.max_new_tokens},
      {"rows", report.rows},
      {"evaluated", m.count},
      {"cer", m.cer},
      {"wer", m.wer},
      {"exact_match", m.exact_match},
      {"char_errors", m.char_errors},
      {"reference_chars", m.reference_chars},
      {"word_errors", m.word_errors},
      {"reference_words", m.reference_words},
      {"exact", m.exact},
      {"normalisation", "whitespace runs -> one space, trimmed; case, accents, punctuation kept"}};
  nlohmann::ordered_json skipped = report.problems;
  for (const std::string& p : result.problems)
    skipped.push_back(p);
  j["skipped"] = skipped;
  nlohmann::ordered_json worst = nlohmann::ordered_json::array();
  for (const LineScore& s : m.worst)
    worst.push_back(line_json(s, result));
  j["worst"] = worst;
  nlohmann::ordered_json lines = nlohmann::ordered_json::array();
  for (const LineScore& s : score_lines(result.predictions, result.references))
    lines.push_back(line_json(s, result));
  j["lines"] = lines;
  return j.dump(1) + "\n";
}

int run(const EvalArgs& args, bool beams_given, bool length_given) {
  // The ranges of `ocr` and `recognize`, before the dataset or the model is read.
  check_option_range("--batch-size", args.batch_size, 1, kMaxBatchSize);
  check_option_range("--num-beams", args.num_beams, 1, kMaxNumBeams);
  if (length_given) check_option_range("--max-new-tokens", args.max_new_tokens, 1, kMaxNewTokens);
  check_option_range("--worst", static_cast<double>(args.worst), 0, kMostWorstShown);
  DatasetReport report;
  const std::vector<Sample> samples = load_dataset(args.data, report);
  report_problems(report.problems, "row");
  if (samples.empty()) {
    throw DataError(args.data + ": no usable rows (" + std::to_string(report.rows) +
                    " rows, all skipped)");
  }
  const std::filesystem::path model_dir = resolve_model(args.model);
  const GenerationConfig config = generation_config(model_dir, args, beams_given, length_given);
  const Recognizer recognizer(model_dir);

  ProgressBar bar("eval", samples.size(), stderr_is_terminal());
  EvalOptions options;
  options.batch_size = args.batch_size;
  options.worst_count = args.worst;
  options.progress = [&bar](size_t done, size_t) { bar.update(done); };
  const EvalResult result = evaluate(recognizer, samples, config, options);
  bar.finish();
  report_problems(result.problems, "image");

  print_summary(args, report, result);
  if (!args.json.empty()) write_file_atomic(args.json, to_json(args, report, result, config));
  return 0;
}

constexpr const char* kManual =
    R"(Reads every sample of DATA with the model, exactly as `mlxocr recognize` reads a line, and
compares what it read with the sample's text.

DATA is a .csv or .tsv file with a header naming the columns file_name and text (the TrOCR / IAM
layout; RFC 4180 quoting; paths relative to the file), a .jsonl file of {"file_name", "text"}
objects, or a folder: its metadata.csv / metadata.jsonl, else its images with .txt sidecars of the
same name. Bad rows (missing or unreadable image, empty text, malformed line) are reported on
stderr with file and line, skipped, and do not change the exit code; a dataset with no usable row
is an error. See docs/data.md.

METRICS. Texts are normalised first: runs of white space become one space, leading and trailing
white space is dropped; case, accents and punctuation are kept (no Unicode normalisation).
  CER          character edit distance (Levenshtein over Unicode code points) summed over every
               line / reference characters summed; may exceed 100 %.
  WER          the same over whitespace-separated words.
  exact match  share of lines read exactly (after normalisation).
  worst        the --worst N lines with the highest CER (ties: more edits first).

DECODING starts from the checkpoint's own generation settings, as `recognize` does (a stored
max_length of 20 or less becomes 128 new tokens); --num-beams and --max-new-tokens override them.
Sampling is never used.

OUTPUT. The summary on stdout; --json FILE also writes every figure, the skipped rows, the worst
lines and every line (image, reference, prediction, edits), written atomically.

Example:
  mlxocr eval --model models/default --data data/test/metadata.csv --num-beams 4 --json eval.json)";

}  // namespace

Action add_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "CER, WER and exact matches of a model on a dataset");
  auto args = std::make_shared<EvalArgs>();
  cmd->add_option("--model,-m", args->model,
                  "Model folder (Hugging Face layout or mlxocr convert output), or a hub id "
                  "org/name[@revision] (default: the bundled model, models/mlxocr-fields-tiny)");
  cmd->add_option("--data,-d", args->data,
                  "Dataset: .csv/.tsv (file_name,text), .jsonl, or a folder (see below)")
      ->required();
  cmd->add_option("--batch-size", args->batch_size, "Lines decoded together")
      ->capture_default_str();
  auto* beams = cmd->add_option("--num-beams", args->num_beams,
                                "Beam search with N beams (default: the checkpoint's, else 1)");
  auto* length = cmd->add_option("--max-new-tokens", args->max_new_tokens,
                                 "Most tokens per line (default: the checkpoint's, else 128)");
  cmd->add_option("--json", args->json, "Also write every figure and every line to this file");
  cmd->add_option("--worst", args->worst, "How many of the worst lines to show")
      ->capture_default_str();
  add_max_pixels_option(cmd);
  cmd->footer(kManual);
  return [args, beams, length] { return run(*args, beams->count() > 0, length->count() > 0); };
}

}  // namespace mlxocr::cli
