// How far two float32 computations of the same quantity may differ, derived from the arithmetic
// (ENGINEERING.md §8) rather than from one CPU's result: OpenBLAS picks its kernels by CPU
// (SkylakeX, Haswell, Zen, Sandybridge, ...), each with its own blocking, and our kernels and
// MLX's split sums between threads, so the same sum comes out in another order on another
// machine. Every test that compares two float computations (ours against a double-precision
// formula, against MLX's ops, against another summation order, or against PyTorch) takes its
// bound from here.
//
// The derivation. u = 2^-24 is float32's unit roundoff: each + and * is exact up to a relative
// error |δ| <= u. A result computed through a chain of stages (a matrix product, a softmax, a
// layer norm, the next layer, the backward pass) collects N roundings, N being the sum of the
// reduction lengths along the chain (Chain below counts them). Rounding k changes the result
// by at most u * M, M being the size of the values rounded: for the tests' well-scaled values
// (post-LN transformers renormalise every layer) the largest magnitude among the compared values.
// Worst case the N errors all have one sign: |error| <= N u M (Higham, Accuracy and Stability of
// Numerical Algorithms, 2nd ed., §3.1, the gamma_N bound). They never do: taken as independent,
// mean-zero and bounded, the Azuma-Hoeffding inequality gives (Higham & Mary, "A new approach
// to probabilistic rounding error analysis", SIAM J. Sci. Comput. 41(5), 2019; Ipsen & Zhou,
// "Probabilistic error analysis for inner products", SIAM J. Matrix Anal. Appl. 41(4), 2020)
//     |error| <= lambda * sqrt(N) * u * M   with probability >= 1 - 2 exp(-lambda^2 / 2).
// lambda = 6 makes a spurious failure rarer than 2e-8 per element compared (about 1e-3 for
// the largest tensor a test compares, by the union bound) and leaves a factor of a few for the
// amplification a layer norm or a softmax adds that M does not see. Two computations each
// within that bound of the exact value differ by at most twice it.
//
// What the bound still catches: for the model's chains N is 10^3..10^5, so the bound is 10^-5 to
// 10^-4 of the largest value; a wrong sign, a position off by one, a missing bias, a scale
// applied twice or a gradient not accumulated change values by a sizeable fraction of it. The
// tests that use it say which injected error they were checked against.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace mlxocr::testing {

inline constexpr double kUnitRoundoff = 0x1p-24;  // float32: 2^-24
inline constexpr double kRoundingLambda = 6.0;    // the probabilistic bound's lambda (see above)

// |computed - exact| for a result that collected `roundings` roundings of values of size
// `magnitude`, with probability >= 1 - 2 exp(-lambda^2 / 2).
inline double rounding_bound(double roundings, double magnitude) {
  return kRoundingLambda * std::sqrt(std::max(roundings, 1.0)) * kUnitRoundoff * magnitude;
}

// Two float32 evaluations of the same chain in different orders (another BLAS kernel family,
// another thread split, another code path): each within rounding_bound of the exact value.
inline double order_bound(double roundings, double magnitude) {
  return 2.0 * rounding_bound(roundings, magnitude);
}

// The roundings one result collects through a chain of layers, forward and backward. A linear
// layer in -> out sums `in` products forward and `out` backward (the input's gradient); a
// reduction (layer norm's mean and variance, softmax's sum, attention's dot products) sums the
// same length both ways. Counts within a factor of 2 change the bound by at most sqrt(2).
struct Chain {
  double forward = 0, backward = 0;

  Chain& linear(int in, int out) {
    forward += in;
    backward += out;
    return *this;
  }
  Chain& reduce(int length) {
    forward += length;
    backward += length;
    return *this;
  }
  Chain& layer_norm(int width) { return reduce(2 * width); }  // mean, then variance
  // Scores over head_dim, softmax over `keys`, the weighted sum of values over `keys`; backward
  // also sums over the `queries` that read each key (keys' and values' gradients).
  Chain& attention(int head_dim, int queries, int keys) {
    reduce(head_dim + 2 * keys);
    backward += queries;
    return *this;
  }
  Chain& then(const Chain& next) {
    forward += next.forward;
    backward += next.backward;
    return *this;
  }
  // A gradient: the forward chain, the backward chain, and a final sum over `rows` (a weight's
  // gradient adds every row that used it; the embeddings' every position that read the token).
  double gradient(int rows) const { return forward + backward + rows; }
};

// Elementwise |got - want| <= bound; on failure names the element, the bound and the ratio.
template <class G, class W>
void expect_within(const std::vector<G>& got, const std::vector<W>& want, double bound,
                   const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double worst = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double diff = std::abs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
    ASSERT_TRUE(diff <= bound) << what << ", element " << i << ": got " << got[i] << ", want "
                               << want[i] << ", difference " << diff << " above the rounding bound "
                               << bound << " (" << diff / bound << "x)";
    worst = std::max(worst, diff);
  }
  // How much of the bound a run used, to audit the bounds on other CPUs and kernel families.
  if (std::getenv("MLXOCR_SHOW_MARGINS"))
    std::cout << "[rounding] " << what << ": " << worst / bound << " of the bound " << bound
              << "\n";
}

// Whether some element of `wrong` (the right values with an injected error: a row off by one,
// a sign flipped) is further than `bound` from `want`: a test asserts it to show that its bound
// still sees such a bug.
template <class G, class W>
bool exceeds_somewhere(const std::vector<G>& wrong, const std::vector<W>& want, double bound) {
  for (std::size_t i = 0; i < std::min(wrong.size(), want.size()); ++i)
    if (std::abs(static_cast<double>(wrong[i]) - static_cast<double>(want[i])) > bound) return true;
  return false;
}

// The largest |value|, the M of the bound for values compared against each other.
template <class T>
double largest_magnitude(const std::vector<T>& values) {
  double largest = 0.0;
  for (const T& v : values)
    largest = std::max(largest, std::abs(static_cast<double>(v)));
  return largest;
}

}  // namespace mlxocr::testing
