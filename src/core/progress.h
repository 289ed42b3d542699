// A one-line progress bar on stderr, drawn only when stderr is a terminal.
#pragma once

#include <chrono>
#include <string>

namespace mlxocr {

class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total, bool enabled);
  ~ProgressBar();
  void update(size_t done, const std::string& detail = "");
  void finish();

 private:
  std::string label_;
  size_t total_;
  bool enabled_, finished_ = false;
  std::chrono::steady_clock::time_point start_;
};

// True when stderr is a terminal (progress bars make sense).
bool stderr_is_terminal();

}  // namespace mlxocr
