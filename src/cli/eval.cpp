// mlxocr eval --model M --data DATA: CER, WER and exact matches of a model on a labelled dataset.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/file_util.h"
#include "core/option_range.h"
#include "core/progress.h"
#include "mlxocr/error.h"
#include "mlxocr/evaluate.h"
#include "mlxocr/limits.h"

namespace mlxocr::cli {

namespace {

struct EvalArgs {
  std::string model, data, json;
  int batch_size = 8;
  int num_beams = 1;
  int max_new_tokens = 0;
  size_t worst = EvalOptions{}.worst_count;
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

void print_summary(const EvalArgs& args, const LabelledData& data, const EvalResult& r) {
  std::cout << "data          " << args.data << ": " << data.rows << " rows, " << r.evaluated
            << " evaluated, " << data.skipped.size() + r.skipped.size() << " skipped\n";
  std::cout << "CER           " << percent(r.cer) << "  (" << r.char_errors << " edits / "
            << r.reference_chars << " characters)\n";
  std::cout << "WER           " << percent(r.wer) << "  (" << r.word_errors << " edits / "
            << r.reference_words << " words)\n";
  std::cout << "exact match   " << percent(r.exact_match) << "  (" << r.exact << " / "
            << r.evaluated << " lines)\n";
  if (r.worst.empty()) return;
  std::cout << "worst " << r.worst.size() << ":\n";
  for (const LineEvaluation& line : r.worst) {
    std::cout << "  CER " << percent(line.cer) << "  " << line.image << "\n"
              << "    reference: " << line.reference << "\n"
              << "    predicted: " << line.prediction << "\n";
  }
}

nlohmann::ordered_json line_json(const LineEvaluation& line) {
  return {{"image", line.image},
          {"reference", line.reference},
          {"prediction", line.prediction},
          {"char_errors", line.char_errors},
          {"reference_chars", line.reference_chars},
          {"word_errors", line.word_errors},
          {"reference_words", line.reference_words},
          {"cer", line.cer}};
}

std::string to_json(const EvalArgs& args, const LabelledData& data, const EvalResult& r) {
  nlohmann::ordered_json j = {
      {"model", args.model},
      {"data", args.data},
      {"num_beams", r.generation.num_beams.value_or(1)},
      {"max_new_tokens", r.generation.max_new_tokens.value_or(0)},
      {"rows", data.rows},
      {"evaluated", r.evaluated},
      {"cer", r.cer},
      {"wer", r.wer},
      {"exact_match", r.exact_match},
      {"char_errors", r.char_errors},
      {"reference_chars", r.reference_chars},
      {"word_errors", r.word_errors},
      {"reference_words", r.reference_words},
      {"exact", r.exact},
      {"normalisation", "whitespace runs -> one space, trimmed; case, accents, punctuation kept"}};
  nlohmann::ordered_json skipped = data.skipped;
  for (const std::string& p : r.skipped)
    skipped.push_back(p);
  j["skipped"] = skipped;
  nlohmann::ordered_json worst = nlohmann::ordered_json::array();
  for (const LineEvaluation& line : r.worst)
    worst.push_back(line_json(line));
  j["worst"] = worst;
  nlohmann::ordered_json lines = nlohmann::ordered_json::array();
  for (const LineEvaluation& line : r.lines)
    lines.push_back(line_json(line));
  j["lines"] = lines;
  return j.dump(1) + "\n";
}

int run(const EvalArgs& args, bool beams_given, bool length_given) {
  // The ranges of `ocr` and `recognize`, before the dataset or the model is read.
  check_option_range("--batch-size", args.batch_size, 1, kMaxBatchSize);
  check_option_range("--num-beams", args.num_beams, 1, kMaxNumBeams);
  if (length_given) check_option_range("--max-new-tokens", args.max_new_tokens, 1, kMaxNewTokens);
  check_option_range("--worst", static_cast<double>(args.worst), 0, kMostWorstShown);
  const LabelledData data = read_labelled_data(args.data);
  report_problems(data.skipped, "row");
  if (data.lines.empty()) {
    throw DataError(args.data + ": no usable rows (" + std::to_string(data.rows) +
                    " rows, all skipped)");
  }
  const Model model = Model::load(args.model);

  ProgressBar bar("eval", data.lines.size(), stderr_is_terminal());
  EvalOptions options;
  if (beams_given) options.generation.num_beams = args.num_beams;
  if (length_given) options.generation.max_new_tokens = args.max_new_tokens;
  options.batch_size = args.batch_size;
  options.worst_count = args.worst;
  options.progress = [&bar](size_t done, size_t) { bar.update(done); };
  const EvalResult result = evaluate(model, data, options);
  bar.finish();
  report_problems(result.skipped, "image");

  print_summary(args, data, result);
  if (!args.json.empty()) write_file_atomic(args.json, to_json(args, data, result));
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
