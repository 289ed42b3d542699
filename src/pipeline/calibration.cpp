#include "pipeline/calibration.h"

#include <cmath>
#include <set>

#include "core/file_util.h"
#include "mlxocr/limit_error.h"

namespace mlxocr {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Parameters beyond this are not a calibration of a probability but a broken fit.
constexpr double kParameterLimit = 1000;

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem,
                         const std::string& limit = "") const {
    throw LimitError(file_, field, problem, limit);
  }

  void only_keys(const json& object, const std::string& where,
                 const std::set<std::string>& allowed) const {
    for (const auto& [key, value] : object.items()) {
      if (!allowed.count(key)) fail(where + key, "unknown key (a typo?)");
    }
  }

  // object[key] as a finite number within the limit (positive when `positive`); `fallback`
  // when absent and optional.
  double number(const json& object, const std::string& where, const std::string& key, bool positive,
                std::optional<double> fallback = std::nullopt) const {
    const std::string field = where + key;
    if (!object.contains(key)) {
      if (fallback) return *fallback;
      fail(field, "missing");
    }
    const json& value = object[key];
    if (!value.is_number()) fail(field, "must be a number, got " + value.dump());
    const double x = value.get<double>();
    if (!std::isfinite(x) || std::fabs(x) > kParameterLimit || (positive && x <= 0)) {
      fail(field, value.dump() + " is outside the supported range",
           positive ? "0 < x <= 1000" : "-1000..1000");
    }
    return x;
  }

  CalibrationMap map(const json& parent, const std::string& key, const std::string& method) const {
    const json& object = parent[key];
    const std::string where = key + ".";
    if (!object.is_object()) fail(key, "must be an object, got " + object.dump());
    CalibrationMap m;
    if (method == "platt") {
      only_keys(object, where, {"a", "b", "c"});
      m.a = number(object, where, "a", true);
      m.b = number(object, where, "b", false);
      m.c = number(object, where, "c", false, 0.0);
    } else {
      only_keys(object, where, {"temperature"});
      m.temperature = number(object, where, "temperature", true);
    }
    return m;
  }

 private:
  std::string file_;
};

}  // namespace

double Calibration::apply(const CalibrationMap& map, double mean_logprob, size_t tokens) const {
  if (tokens == 0) return 0.0;
  if (method == "temperature") return std::exp(mean_logprob / map.temperature);
  const double z = map.a * mean_logprob + map.b + map.c * std::log(static_cast<double>(tokens));
  return 1.0 / (1.0 + std::exp(-z));
}

Calibration parse_calibration(const std::string& text, const std::string& file) {
  const Reader reader(file);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    reader.fail("", std::string("malformed JSON: ") + e.what());
  }
  if (!j.is_object()) reader.fail("", "must be a JSON object");
  reader.only_keys(j, "", {"method", "line", "word", "fit"});
  Calibration c;
  if (!j.contains("method")) reader.fail("method", "missing");
  if (!j["method"].is_string() || (j["method"] != "platt" && j["method"] != "temperature")) {
    reader.fail("method", "must be \"platt\" or \"temperature\", got " + j["method"].dump());
  }
  c.method = j["method"].get<std::string>();
  if (!j.contains("line")) reader.fail("line", "missing");
  c.line = reader.map(j, "line", c.method);
  if (j.contains("word")) c.word = reader.map(j, "word", c.method);
  if (j.contains("fit")) {
    if (!j["fit"].is_object()) reader.fail("fit", "must be an object, got " + j["fit"].dump());
    c.fit = j["fit"];
  }
  return c;
}

std::optional<Calibration> load_calibration(const fs::path& model_dir) {
  const fs::path file = model_dir / kCalibrationFile;
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  return parse_calibration(read_file(file, 1 << 20), file.string());
}

}  // namespace mlxocr
