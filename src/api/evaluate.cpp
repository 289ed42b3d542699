// mlxocr::read_labelled_data and mlxocr::evaluate (include/mlxocr/evaluate.h): the dataset reader
// and eval/evaluate.h's run, with the engine's types turned into the public structs.
#include "mlxocr/evaluate.h"

#include "api/model_impl.h"
#include "core/option_range.h"
#include "data/dataset.h"
#include "eval/evaluate.h"
#include "eval/metrics.h"
#include "mlxocr/limits.h"

namespace mlxocr {

namespace {

LineEvaluation line_evaluation(const LineScore& s, const Evaluation& e) {
  return {e.images[s.index].string(), e.references[s.index], e.predictions[s.index], s.char_errors,
          s.reference_chars,          s.word_errors,         s.reference_words,      s.cer()};
}

}  // namespace

LabelledData read_labelled_data(const std::string& path) {
  DatasetReport report;
  const std::vector<Sample> samples = load_dataset(path, report);
  LabelledData data;
  data.rows = report.rows;
  data.skipped = report.problems;
  for (const Sample& s : samples)
    data.lines.push_back({s.image.string(), s.text});
  return data;
}

EvalResult evaluate(const Model& model, const LabelledData& data, const EvalOptions& options) {
  check_option_range("EvalOptions::batch_size", options.batch_size, 1, kMaxBatchSize);
  // The model's best reading: one hypothesis, never a sample.
  GenerationOptions asked = options.generation;
  asked.do_sample = false;
  asked.num_return_sequences = 1;
  const GenerationConfig config = generation_config(model.impl(), asked);
  std::vector<Sample> samples;
  for (const LabelledLine& line : data.lines)
    samples.push_back({line.image, line.text});
  const Evaluation e = evaluate(model.impl().recognizer, samples, config, options);

  EvalResult r;
  const TextMetrics& m = e.metrics;
  r.cer = m.cer;
  r.wer = m.wer;
  r.exact_match = m.exact_match;
  r.char_errors = m.char_errors;
  r.reference_chars = m.reference_chars;
  r.word_errors = m.word_errors;
  r.reference_words = m.reference_words;
  r.exact = m.exact;
  r.evaluated = m.count;
  for (const LineScore& s : score_lines(e.predictions, e.references))
    r.lines.push_back(line_evaluation(s, e));
  for (const LineScore& s : m.worst)
    r.worst.push_back(line_evaluation(s, e));
  r.skipped = e.problems;
  r.generation = generation_options(config);
  return r;
}

}  // namespace mlxocr
