// The helper threads of mlxocr's CPU kernels, started once and kept between calls. Why: a
// decoding step runs a few dozen kernels of 50-500 us each; starting a thread for each (~20-50
// us here, more on a loaded machine) ate what a second core saves, so the small layers of a step
// ran on one core while the other idled. Internal to src/model.
#pragma once

#include <functional>

namespace mlxocr::kernel {

// Calls job(0) on the calling thread and job(1) .. job(count - 1) on helper threads, and returns
// when all have returned. A call made from inside a job, or while another thread's call is in
// flight, runs its parts one after the other on the calling thread instead (same results: each
// part does the same work wherever it runs). Jobs must not throw.
void run_parts(int count, const std::function<void(int)>& job);

}  // namespace mlxocr::kernel
