#include "kernels/cpu/threads.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <system_error>
#include <thread>

namespace mlxocr::kernel {

namespace {

// After a part, a helper keeps looking for the next call this long before it sleeps: the kernels
// of one decoding step follow each other within microseconds, and waking a sleeping thread costs
// about as much as the small ones take. While it looks it yields its core to any other thread
// that wants it: between the encoder's kernels OpenBLAS's own worker needs the second core for
// the next matrix product (spinning without yielding made batch-1 encoding ~10 % slower).
constexpr auto kSpin = std::chrono::microseconds(200);

thread_local bool inside_part = false;

// Yields for up to kSpin until done() holds.
template <class Done>
void spin_until(Done done) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  while (!done() && std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
}

class Helpers {
 public:
  // Runs the call on `count - 1` helpers and the caller; false when another call is in flight.
  bool run(int count, const std::function<void(int)>& job) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock() || !grow(count - 1)) return false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      parts_ = count;
      pending_.store(count - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    run_part(job, 0);
    // The caller's part is as long as the helpers': spin briefly, then sleep.
    auto finished = [this] { return pending_.load(std::memory_order_acquire) == 0; };
    spin_until(finished);
    if (!finished()) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, finished);
    }
    return true;
  }

 private:
  static void run_part(const std::function<void(int)>& job, int part) {
    inside_part = true;
    job(part);
    inside_part = false;
  }

  // Starts helpers until there are `helpers`; false when the system refuses a thread (the call
  // then runs on the caller alone). Called before the call's generation is published: a new
  // helper starts from the one before, so it takes part in this call however late it runs.
  bool grow(int helpers) {
    const std::uint64_t seen = generation_.load(std::memory_order_acquire);
    while (static_cast<int>(threads_) < helpers) {
      const int part = static_cast<int>(threads_) + 1;  // parts 1, 2, ...
      try {
        std::thread([this, part, seen] { serve(part, seen); }).detach();
      } catch (const std::system_error&) {
        return false;
      }
      ++threads_;
    }
    return true;
  }

  void serve(int part, std::uint64_t seen) {
    for (;;) {
      // Look for the next call: spinning first, then asleep.
      auto called = [&] { return generation_.load(std::memory_order_acquire) != seen; };
      spin_until(called);
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, called);
      seen = generation_.load(std::memory_order_acquire);
      const std::function<void(int)>* job = job_;
      const bool mine = part < parts_;
      lock.unlock();
      if (!mine) continue;
      run_part(*job, part);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> done_lock(mutex_);
        done_.notify_one();
      }
    }
  }

  std::mutex busy_;  // held by the call in flight
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  unsigned threads_ = 0;  // helpers started; only the call in flight starts more
};

}  // namespace

void run_parts(int count, const std::function<void(int)>& job) {
  // Helpers live as long as the process; they are never joined, so nothing waits for them at exit.
  static Helpers* helpers = new Helpers();
  if (count > 1 && !inside_part && helpers->run(count, job)) return;
  for (int part = 0; part < count; ++part)
    job(part);
}

}  // namespace mlxocr::kernel

namespace mlxocr {

namespace {
std::atomic<int> thread_override{0};
}  // namespace

void set_cpu_kernel_threads(int n) {
  thread_override = n > 0 ? std::min(n, 64) : 0;
}

int cpu_kernel_threads() {
  if (const int n = thread_override.load(); n > 0) return n;
  static const int threads = [] {
    if (const char* env = std::getenv("MLXOCR_THREADS")) {
      const int requested = std::atoi(env);
      if (requested > 0) return std::min(requested, 64);
    }
    return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  }();
  return threads;
}

}  // namespace mlxocr
