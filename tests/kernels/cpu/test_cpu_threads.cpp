// The kept helper threads of the CPU kernels (kernels/cpu/threads.h): every part of a call runs
// exactly once and the call returns only after all have; calls from inside a part and calls from
// two threads at once still run every part; many calls in a row (the pattern of a decoding step)
// neither lose nor repeat a part.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "kernels/cpu/threads.h"

namespace mlxocr::kernel {
namespace {

// Runs a call of `count` parts and returns how often each part ran.
std::vector<int> run_counting(int count) {
  std::vector<std::atomic<int>> runs(count);
  run_parts(count, [&](int part) { runs[part].fetch_add(1); });
  std::vector<int> result;
  for (const auto& r : runs)
    result.push_back(r.load());
  return result;
}

TEST(CpuThreads, EveryPartRunsOnceBeforeTheCallReturns) {
  for (int count : {1, 2, 3, 5, 2, 1, 4})
    EXPECT_EQ(run_counting(count), std::vector<int>(count, 1)) << count << " parts";
}

TEST(CpuThreads, ThousandsOfCallsInARowLoseNoPart) {
  std::atomic<long> total{0};
  for (int call = 0; call < 5000; ++call)
    run_parts(2, [&](int part) { total.fetch_add(part + 1); });
  EXPECT_EQ(total.load(), 5000L * 3);
}

TEST(CpuThreads, ACallFromInsideAPartRunsItsPartsToo) {
  std::atomic<int> inner{0};
  run_parts(2, [&](int) { run_parts(3, [&](int) { inner.fetch_add(1); }); });
  EXPECT_EQ(inner.load(), 2 * 3);
}

TEST(CpuThreads, CallsFromTwoThreadsAtOnceBothComplete) {
  std::atomic<long> total{0};
  auto calls = [&] {
    for (int call = 0; call < 2000; ++call)
      run_parts(2, [&](int) { total.fetch_add(1); });
  };
  std::thread other(calls);
  calls();
  other.join();
  EXPECT_EQ(total.load(), 2L * 2000 * 2);
}

}  // namespace
}  // namespace mlxocr::kernel
