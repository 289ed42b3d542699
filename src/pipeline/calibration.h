// Calibrated confidences: the mapping stored beside a model (calibration.json in its folder) that
// turns a raw confidence, exp(mean token log-probability), into an estimate of the probability
// that the text is exact, fitted on a synthetic validation set (tools/default_model/
// fit_calibration.py). A folder without the file gives raw confidences, as before.
//
// The file (every key below is checked; any other key is refused, so a typo is not ignored):
//   {"method": "platt",                          or "temperature"
//    "line": {"a": A, "b": B, "c": C},           platt: sigmoid(A*m + B + C*ln(n)); c optional (0)
//    "word": {...},                              optional, same form; absent: words stay raw
//    "fit": {...}}                               optional, free-form: what it was fitted on
// temperature: {"temperature": T} per level, giving exp(m / T). m is the mean log-probability of
// the line's (word's) tokens, EOS included for lines, and n their number. a and T must be
// positive (a higher raw confidence never gives a lower calibrated one).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace mlxocr {

inline constexpr const char* kCalibrationFile = "calibration.json";

struct CalibrationMap {
  double a = 1, b = 0, c = 0;  // platt
  double temperature = 1;      // temperature
};

struct Calibration {
  std::string method;  // "platt" or "temperature"
  CalibrationMap line;
  std::optional<CalibrationMap> word;
  nlohmann::json fit;  // the file's "fit" object (null when absent), for `mlxocr inspect`

  // The calibrated confidence of `tokens` tokens of mean log-probability `mean_logprob`; 0 for
  // no tokens (as the raw confidence).
  double apply(const CalibrationMap& map, double mean_logprob, size_t tokens) const;
};

// The calibration stored in `model_dir`, nullopt when the folder has no calibration.json.
// Throws LimitError (exit 2) naming the file and the field when it is malformed.
std::optional<Calibration> load_calibration(const std::filesystem::path& model_dir);

// The same for JSON text read from `file` (named in errors).
Calibration parse_calibration(const std::string& text, const std::string& file);

}  // namespace mlxocr
