// How well a model reads a labelled dataset: every line decoded as LineRecognizer reads it, then
// compared with its text (CER, WER, exact matches). What `mlxocr eval` reports (docs/data.md).
//
//   mlxocr::Model model = mlxocr::Model::load("models/mine");
//   mlxocr::LabelledData data = mlxocr::read_labelled_data("data/test/metadata.csv");
//   mlxocr::EvalOptions options;
//   options.generation.num_beams = 4;
//   mlxocr::EvalResult result = mlxocr::evaluate(model, data, options);
//   std::cout << "CER " << result.cer << " on " << result.evaluated << " lines\n";
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "mlxocr/generation.h"
#include "mlxocr/model.h"

namespace mlxocr {

// An image file holding one text line, and that line's text.
struct LabelledLine {
  std::string image;
  std::string text;
};

// A dataset as read: the usable lines in file order, and the rows that were not.
struct LabelledData {
  std::vector<LabelledLine> lines;
  std::size_t rows = 0;              // rows (or images, for a folder) seen
  std::vector<std::string> skipped;  // one per unusable row: "file:line: why"
};

// Reads a .csv / .tsv with a header naming the columns file_name and text (RFC 4180; image paths
// relative to the file), a .jsonl of {"file_name", "text"} objects, or a folder (its
// metadata.csv / metadata.jsonl, else its images with .txt sidecars). A row whose image is
// missing or not an image, or whose text is empty, is skipped and listed. Throws DataError when
// the source itself cannot be used (missing, unknown kind, no file_name / text columns); no
// usable row is not an error here (lines is empty).
LabelledData read_labelled_data(const std::string& path);

struct EvalOptions {
  // Laid over the checkpoint's own settings, as LineRecognizer does; evaluation measures the
  // model's best reading, so do_sample and num_return_sequences are not used (one hypothesis,
  // never a sample).
  GenerationOptions generation;
  int batch_size = 8;           // lines decoded together, 1..kMaxBatchSize
  std::size_t worst_count = 5;  // lines in EvalResult::worst
  // Called after every batch with (lines done, lines in all).
  std::function<void(std::size_t, std::size_t)> progress;
};

// One line's reading and its edits. Texts are compared after normalisation (white-space runs
// become one space, trimmed; case, accents and punctuation kept); `reference` and `prediction`
// are as given and as read.
struct LineEvaluation {
  std::string image, reference, prediction;
  std::size_t char_errors = 0, reference_chars = 0;  // Levenshtein over Unicode code points
  std::size_t word_errors = 0, reference_words = 0;  // over whitespace-separated words
  double cer = 0;  // char_errors / reference_chars (char_errors when the reference is empty)
};

struct EvalResult {
  // Edits summed over every line / reference characters (words) summed; may exceed 1.
  double cer = 0, wer = 0;
  double exact_match = 0;  // share of lines read exactly
  std::size_t char_errors = 0, reference_chars = 0, word_errors = 0, reference_words = 0;
  std::size_t exact = 0, evaluated = 0;  // lines read exactly, lines read
  std::vector<LineEvaluation> lines;     // every line read, in the data's order
  // The worst_count lines with the highest CER (ties: more edits first, then data order); only
  // lines with at least one character error.
  std::vector<LineEvaluation> worst;
  // Lines whose image passed the header check but could not be decoded or read by the model,
  // the message naming the file; left out of the figures.
  std::vector<std::string> skipped;
  GenerationOptions generation;  // the settings used, every field set
};

// Reads every line of `data` with `model` and scores it. Throws UsageError naming the
// EvalOptions field (batch_size, a GenerationOptions value) before anything is decoded.
EvalResult evaluate(const Model& model, const LabelledData& data, const EvalOptions& options = {});

}  // namespace mlxocr
