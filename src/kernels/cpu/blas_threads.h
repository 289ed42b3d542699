// OpenBLAS's worker threads against our kernels' helpers (threads.h). After each product
// OpenBLAS 0.3.21's workers spin in sched_yield for ~0.1 s before they sleep, on the cores our
// helpers want: a kernel that shares its work with a helper then runs about as slowly as on one
// core (bench/OPTIMISATION.md section 10). Where our kernels do nearly all the work (an 8-bit
// encoder as int8 products) or run between every two products (a training step, section 13),
// OpenBLAS is therefore left single-threaded and the products that remain on it are shared out
// between our threads instead. Used by the kernels and by the jobs that set up threads (bench,
// train).
#pragma once

namespace mlxocr::kernel {

// From this call on, OpenBLAS (when it is the process's BLAS) runs every product on the calling
// thread, and blas_single_threaded() is true. Idempotent; call only from MLX's CPU stream (the
// thread that calls the BLAS), so that no product is in flight.
void leave_blas_single_threaded();

// Whether the products our kernels hand to the BLAS should be cut between our own threads.
bool blas_single_threaded();

// openblas_set_num_threads(threads) when the process's BLAS is OpenBLAS; false otherwise.
bool set_openblas_threads(int threads);

}  // namespace mlxocr::kernel
