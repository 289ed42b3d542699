// exp and the normal CDF on 8 floats at a time, written with GCC/Clang vector extensions so that
// the same code becomes AVX2 (+FMA), SSE2 pairs or NEON pairs, whatever the function is compiled
// for. Used by the kernels of this folder: MLX's x86 CPU backend evaluates exp and erf one lane at
// a time through libm-style scalar code, which is what made softmax and GELU a third of a training
// step (bench/TRAINING.md).
#pragma once

#include <cstdint>

// Every function here is inlined into its caller, so the note that 32-byte vectors are passed
// differently with and without AVX is about calls that never happen.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mlxocr::vmath {

using f8 = float __attribute__((vector_size(32)));
using i8 = std::int32_t __attribute__((vector_size(32)));
constexpr int kLanes = 8;  // floats in an f8

inline f8 splat(float value) {
  return f8{} + value;
}

inline f8 load(const float* p) {
  f8 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

inline void store(float* p, f8 v) {
  __builtin_memcpy(p, &v, sizeof v);
}

// The first n (< 8) lanes from p, the others `fill`.
inline f8 load_partial(const float* p, int n, float fill) {
  f8 v = splat(fill);
  for (int i = 0; i < n; ++i)
    v[i] = p[i];
  return v;
}

inline void store_partial(float* p, f8 v, int n) {
  for (int i = 0; i < n; ++i)
    p[i] = v[i];
}

// The lanes of v added up, lane 0 first.
inline float sum(const f8& v) {
  float total = 0.0f;
  for (int lane = 0; lane < kLanes; ++lane)
    total += v[lane];
  return total;
}

inline f8 select(i8 mask, f8 if_true, f8 if_false) {
  return mask ? if_true : if_false;
}

inline f8 floor(f8 x) {
  const f8 truncated = __builtin_convertvector(__builtin_convertvector(x, i8), f8);
  return select(truncated > x, truncated - 1.0f, truncated);
}

// e^x to about 2 ulp: x = n ln2 + r with |r| <= ln2/2, e^r by a degree-6 polynomial (the
// Cephes expf coefficients), 2^n put into the exponent bits. Exact 0 below -87.3 (where a float
// underflows), +inf above 88.72, e^88.3 in between (2^n must stay a normal float); NaN stays
// NaN. The kernels only call it on arguments <= 0.
inline f8 exp(f8 x) {
  const f8 clamped = select(x > 88.3f, splat(88.3f), select(x < -87.0f, splat(-87.0f), x));
  const f8 n = floor(clamped * 1.44269504088896341f + 0.5f);
  f8 r = clamped - n * 0.693359375f;  // ln2 in two parts, so that r keeps its low bits
  r = r + n * 2.12194440e-4f;
  f8 p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const i8 bits = (__builtin_convertvector(n, i8) + 127) << 23;
  const f8 result = p * __builtin_bit_cast(f8, bits);
  return select(x < -87.3f, splat(0.0f), select(x > 88.72f, splat(__builtin_inff()), result));
}

// Phi(x), the standard normal CDF, = erfc(-x / sqrt 2) / 2, with the Chebyshev-fitted erfc of
// Numerical Recipes (relative error below 1.2e-7 everywhere, tails included), so that
// x * Phi(x) keeps its relative precision where GELU is tiny.
inline f8 normal_cdf(f8 x) {
  const f8 z = select(x < 0.0f, -x, x) * 0.70710678118654752f;
  const f8 t = 1.0f / (1.0f + 0.5f * z);
  f8 p = splat(0.17087277f);
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  const f8 half_erfc = 0.5f * t * exp(p - z * z);  // erfc(|x| / sqrt 2) / 2
  return select(x < 0.0f, half_erfc, 1.0f - half_erfc);
}

// The standard normal density, exp(-x^2 / 2) / sqrt(2 pi).
inline f8 normal_pdf(f8 x) {
  return 0.39894228040143268f * exp(-0.5f * x * x);
}

}  // namespace mlxocr::vmath

#pragma GCC diagnostic pop
