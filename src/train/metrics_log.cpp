#include "train/metrics_log.h"

#include <string>

#include "core/file_util.h"
#include "mlxocr/error.h"

namespace mlxocr {

MetricsLog::MetricsLog(std::filesystem::path file, long long resume_step, bool enabled)
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

void MetricsLog::write(const nlohmann::json& record) {
  if (!enabled_) return;
  out_ << record.dump() << "\n";
  out_.flush();
}

TrainingCurves MetricsLog::curves() const {
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

}  // namespace mlxocr
