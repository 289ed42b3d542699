#include "core/progress.h"

#include <unistd.h>
#include <cstdio>

namespace mlxocr {

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

ProgressBar::ProgressBar(std::string label, size_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::update(size_t done, const std::string& detail) {
  if (!enabled_ || total_ == 0) return;
  done_ = done, detail_ = detail;
  constexpr int kWidth = 30;
  const double fraction = static_cast<double>(done) / total_;
  const int filled = static_cast<int>(fraction * kWidth);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = done > 0 ? elapsed / done * (total_ - done) : 0;
  std::fprintf(stderr, "\r%s [%s%s] %zu/%zu  %.0fs elapsed, ETA %.0fs  %s\033[K", label_.c_str(),
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(), done,
               total_, elapsed, eta, detail.c_str());
  std::fflush(stderr);
}

void ProgressBar::print_above(const std::string& line) {
  const bool drawn = enabled_ && !finished_ && total_ > 0;
  if (drawn) std::fputs("\r\033[K", stderr);  // the bar's line, cleared
  std::fputs(line.c_str(), stderr);
  if (drawn) update(done_, detail_);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  std::fprintf(stderr, "\n");
}

}  // namespace mlxocr
