// calibration.json: the maps it describes (computed here from their formulas) and the errors a
// malformed file gives (named file and field, a LimitError so the CLI exits 2).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "mlxocr/limit_error.h"
#include "pipeline/calibration.h"
#include "pipeline/recognizer.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::error_of;

TEST(Calibration, PlattMapsMeanLogProbAndLength) {
  const Calibration c = parse_calibration(
      R"({"method": "platt", "line": {"a": 4, "b": 1.5, "c": -0.25}, "word": {"a": 2, "b": 0.5}})",
      "m/calibration.json");
  EXPECT_EQ(c.method, "platt");
  ASSERT_TRUE(c.word.has_value());
  const double m = -0.3;
  EXPECT_NEAR(c.apply(c.line, m, 8), 1 / (1 + std::exp(-(4 * m + 1.5 - 0.25 * std::log(8.0)))),
              1e-12);
  EXPECT_NEAR(c.apply(*c.word, m, 3), 1 / (1 + std::exp(-(2 * m + 0.5))), 1e-12);  // c: 0
  EXPECT_EQ(c.apply(c.line, 0, 0), 0.0);                                           // no tokens
  EXPECT_GT(c.apply(c.line, -0.1, 8), c.apply(c.line, -0.2, 8));                   // monotone
}

TEST(Calibration, TemperatureIsAPowerOfTheRawConfidence) {
  const Calibration c =
      parse_calibration(R"({"method": "temperature", "line": {"temperature": 0.5}})", "f");
  EXPECT_FALSE(c.word.has_value());
  EXPECT_NEAR(c.apply(c.line, std::log(0.8), 5), 0.64, 1e-12);  // 0.8^(1/0.5)
}

TEST(Calibration, CalibrateConfidencesMapsTheLineAndItsWords) {
  const Calibration c = parse_calibration(
      R"({"method": "platt", "line": {"a": 3, "b": 1}, "word": {"a": 5, "b": -1}})", "f");
  LineHypothesis h;
  h.token_logprobs = {std::log(0.5f), std::log(0.8f), std::log(0.9f)};
  h.confidence = line_confidence(h.token_logprobs);
  h.words = {{"ab", 0.7, 2}, {"", 0.0, 0}};
  const double m = (std::log(0.5) + std::log(0.8) + std::log(0.9)) / 3;
  calibrate_confidences(c, h);
  EXPECT_NEAR(h.confidence, 1 / (1 + std::exp(-(3 * m + 1))), 1e-6);
  EXPECT_NEAR(h.words[0].confidence, 1 / (1 + std::exp(-(5 * std::log(0.7) - 1))), 1e-12);
  EXPECT_EQ(h.words[1].confidence, 0.0);  // no tokens: stays 0
}

TEST(Calibration, AFolderWithoutTheFileHasNone) {
  testing::TempDir dir("calibration");
  EXPECT_FALSE(load_calibration(dir.path()).has_value());
  std::ofstream(dir / "calibration.json") << R"({"method": "platt", "line": {"a": 1, "b": 0}})";
  EXPECT_TRUE(load_calibration(dir.path()).has_value());
}

TEST(Calibration, MalformedFilesNameTheFileAndTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "malformed JSON"},
      {"[1]", "JSON object"},
      {R"({"line": {"a": 1, "b": 0}})", "method: missing"},
      {R"({"method": "isotonic", "line": {"a": 1, "b": 0}})", "method: must be"},
      {R"({"method": "platt"})", "line: missing"},
      {R"({"method": "platt", "line": [1, 2]})", "line: must be an object"},
      {R"({"method": "platt", "line": {"a": 1}})", "line.b: missing"},
      {R"({"method": "platt", "line": {"a": "1", "b": 0}})", "line.a: must be a number"},
      {R"({"method": "platt", "line": {"a": -1, "b": 0}})", "line.a: -1 is outside"},
      {R"({"method": "platt", "line": {"a": 1, "b": 1e300}})", "line.b: 1e+300 is outside"},
      {R"({"method": "platt", "line": {"a": 1, "b": 0, "d": 2}})", "line.d: unknown key"},
      {R"({"method": "platt", "line": {"a": 1, "b": 0}, "words": {}})", "words: unknown key"},
      {R"({"method": "platt", "line": {"a": 1, "b": 0}, "word": {"a": 0, "b": 0}})",
       "word.a: 0 is outside"},
      {R"({"method": "temperature", "line": {"a": 1, "b": 0}})", "line.a: unknown key"},
      {R"({"method": "temperature", "line": {"temperature": 0}})", "line.temperature: 0 is"},
      {R"({"method": "platt", "line": {"a": 1, "b": 0}, "fit": 3})", "fit: must be an object"},
  };
  for (const auto& test_case : cases) {
    // Named copies, not structured bindings: clang before 16 cannot capture those in a lambda.
    const std::string text = test_case.first, expected = test_case.second;
    const std::string message =
        error_of<LimitError>([&] { parse_calibration(text, "m/calibration.json"); });
    EXPECT_EQ(message.rfind("m/calibration.json: ", 0), 0u) << text << ": " << message;
    EXPECT_NE(message.find(expected), std::string::npos) << text << ": " << message;
  }
}

}  // namespace
}  // namespace mlxocr
