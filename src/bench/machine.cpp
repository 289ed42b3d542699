#include "bench/machine.h"

#include <dlfcn.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

namespace mlxocr {

namespace mx = mlx::core;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Fastest of at least three timings of `work`, repeated until `budget` seconds have passed.
template <typename Work>
double fastest_seconds(Work work, double budget) {
  work();  // warm-up: first-touch allocation, BLAS thread start
  double best = 1e30;
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < 3 || seconds_since(start) < budget; ++i) {
    const Clock::time_point t = Clock::now();
    work();
    best = std::min(best, seconds_since(t));
  }
  return best;
}

}  // namespace

double measure_sgemm_gflops(int n, double seconds) {
  const mx::array a = mx::random::normal({n, n}, mx::float32, mx::random::key(1));
  const mx::array b = mx::random::normal({n, n}, mx::float32, mx::random::key(2));
  mx::eval({a, b});
  const double best = fastest_seconds([&] { mx::eval(mx::matmul(a, b)); }, seconds);
  return 2.0 * n * n * static_cast<double>(n) / best / 1e9;
}

double measure_read_bandwidth_gbs(std::size_t bytes, double seconds) {
  const int count = static_cast<int>(bytes / sizeof(float));
  const mx::array data = mx::random::uniform({count}, mx::float32, mx::random::key(3));
  mx::eval(data);
  const double best = fastest_seconds([&] { mx::eval(mx::sum(data)); }, seconds);
  return static_cast<double>(count) * sizeof(float) / best / 1e9;
}

std::string blas_library() {
  void* symbol = dlsym(RTLD_DEFAULT, "cblas_sgemm");
  Dl_info info;
  if (symbol && dladdr(symbol, &info) && info.dli_fname) return info.dli_fname;
  return "unknown";
}

std::uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      std::uint64_t kib = 0;
      if (fields >> kib) return kib * 1024;
    }
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // kilobytes on Linux
}

}  // namespace mlxocr
