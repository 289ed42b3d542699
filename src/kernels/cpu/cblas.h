// The one CBLAS routine our CPU kernels call (attention.cpp, linear.cpp): cblas_sgemm of
// the BLAS MLX itself calls (OpenBLAS where CMake found it), declared here because Debian ships
// cblas.h only with the -dev packages. Row-major only. Internal to src/kernels/cpu.
#pragma once

extern "C" void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                            const float* a, int lda, const float* b, int ldb, float beta, float* c,
                            int ldc);

namespace mlxocr::cblas {

constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

// C = alpha op(A) op(B) + beta C, all row-major; op(A) is m x k, op(B) k x n.
inline void sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float* a,
                  long lda, const float* b, long ldb, float beta, float* c, long ldc) {
  cblas_sgemm(kRowMajor, trans_a, trans_b, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
}

}  // namespace mlxocr::cblas
