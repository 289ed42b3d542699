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
  // Prints `line` (ending in a newline) on stderr; a bar on the screen is drawn again below it.
  void print_above(const std::string& line);
  void finish();

 private:
  std::string label_;
  size_t total_;
  bool enabled_, finished_ = false;
  size_t done_ = 0;  // the last update's, to draw the bar again
  std::string detail_;
  std::chrono::steady_clock::time_point start_;
};

// True when stderr is a terminal (progress bars make sense).
bool stderr_is_terminal();

}  // namespace mlxocr
