#include "kernels/cpu/blas_threads.h"

#include <dlfcn.h>

#include <atomic>

namespace mlxocr::kernel {

namespace {
std::atomic<bool> single_threaded{false};
}  // namespace

bool set_openblas_threads(int threads) {
  using Setter = void (*)(int);
  auto setter = reinterpret_cast<Setter>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (!setter) return false;
  setter(threads);
  return true;
}

void leave_blas_single_threaded() {
  if (single_threaded.load(std::memory_order_acquire)) return;
  // Another BLAS (the wheel's reference BLAS, Accelerate) has no workers of its own to compete.
  set_openblas_threads(1);
  single_threaded.store(true, std::memory_order_release);
}

bool blas_single_threaded() {
  return single_threaded.load(std::memory_order_acquire);
}

}  // namespace mlxocr::kernel
