// The helper threads of mlxocr's CPU kernels, started once and kept between calls. Why: a
// decoding step runs a few dozen kernels of 50-500 us each; starting a thread for each (~20-50
// us here, more on a loaded machine) ate what a second core saves, so the small layers of a step
// ran on one core while the other idled. run_parts is internal to the kernels (primitive.h's
// for_rows calls it); the thread count is the kernels' one setting.
#pragma once

#include <functional>

namespace mlxocr {

// How many threads one kernel call may use: set_cpu_kernel_threads, else MLXOCR_THREADS, else
// the hardware's (at most 8).
int cpu_kernel_threads();
// Overrides the above (n > 0), e.g. to match `mlxocr bench --threads`.
void set_cpu_kernel_threads(int n);

}  // namespace mlxocr

namespace mlxocr::kernel {

// Calls job(0) on the calling thread and job(1) .. job(count - 1) on helper threads, and returns
// when all have returned. A call made from inside a job, or while another thread's call is in
// flight, runs its parts one after the other on the calling thread instead (same results: each
// part does the same work wherever it runs). Jobs must not throw.
void run_parts(int count, const std::function<void(int)>& job);

}  // namespace mlxocr::kernel
