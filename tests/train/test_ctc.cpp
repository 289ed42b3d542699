// ctc_loss_sum against the definition: -log of the summed probability of every frame-level path
// that collapses (repeats merged, blanks removed) to the target, enumerated by brute force on
// small cases; its gradient against finite differences of that sum.
#include <gtest/gtest.h>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include <cmath>
#include <vector>

#include "train/ctc.h"

namespace mlxocr {
namespace {

constexpr int kBlank = 0;

std::vector<float> values(const mx::array& a) {
  mx::array c = mx::contiguous(a);
  mx::eval(c);
  return {c.data<float>(), c.data<float>() + c.size()};
}

// -log p(target) for one row of log-probabilities [T, V] (row-major), by enumerating V^T paths.
double brute_force_nll(const std::vector<double>& lp, int frames, int vocab,
                       const std::vector<int>& target) {
  double total = 0.0;
  std::vector<int> path(frames, 0);
  for (long long code = 0, paths = std::llround(std::pow(vocab, frames)); code < paths; ++code) {
    long long rest = code;
    double log_p = 0.0;
    for (int t = 0; t < frames; ++t) {
      path[t] = static_cast<int>(rest % vocab);
      rest /= vocab;
      log_p += lp[t * vocab + path[t]];
    }
    std::vector<int> collapsed;
    for (int t = 0; t < frames; ++t)
      if (path[t] != kBlank && (t == 0 || path[t] != path[t - 1])) collapsed.push_back(path[t]);
    if (collapsed == target) total += std::exp(log_p);
  }
  return -std::log(total);
}

std::vector<double> log_softmax_rows(const std::vector<double>& logits, int rows, int vocab) {
  std::vector<double> out(logits.size());
  for (int r = 0; r < rows; ++r) {
    double top = -1e300, sum = 0.0;
    for (int v = 0; v < vocab; ++v)
      top = std::max(top, logits[r * vocab + v]);
    for (int v = 0; v < vocab; ++v)
      sum += std::exp(logits[r * vocab + v] - top);
    for (int v = 0; v < vocab; ++v)
      out[r * vocab + v] = logits[r * vocab + v] - top - std::log(sum);
  }
  return out;
}

struct Case {
  int frames, vocab;
  std::vector<std::vector<int>> targets;
};

mx::array loss_of_logits(const mx::array& logits, const CtcTargets& targets) {
  return ctc_loss_sum(logits - mx::logsumexp(logits, -1, true), targets);
}

TEST(Ctc, LossIsMinusLogOfTheSummedPathProbabilities) {
  // Distinct labels, a repeat (needs a blank between), an empty target, a target that fills
  // every frame; rows of different lengths share one padded batch.
  const Case c{5, 4, {{1, 2}, {1, 1}, {}, {3, 1, 2, 3, 1}, {2}}};
  const int batch = static_cast<int>(c.targets.size());
  const mx::array logits =
      mx::random::normal({batch, c.frames, c.vocab}, mx::float32, mx::random::key(11));
  const std::vector<float> raw = values(logits);
  const CtcTargets targets = make_ctc_targets(c.targets, kBlank, c.frames);
  double want = 0.0;
  for (int b = 0; b < batch; ++b) {
    std::vector<double> row(raw.begin() + b * c.frames * c.vocab,
                            raw.begin() + (b + 1) * c.frames * c.vocab);
    want +=
        brute_force_nll(log_softmax_rows(row, c.frames, c.vocab), c.frames, c.vocab, c.targets[b]);
  }
  EXPECT_NEAR(values(loss_of_logits(logits, targets))[0], want, 1e-4 * want);
}

TEST(Ctc, GradientMatchesFiniteDifferencesOfTheDefinition) {
  const Case c{4, 3, {{1, 2}, {2, 2}}};
  const int batch = 2, size = batch * c.frames * c.vocab;
  const mx::array logits =
      mx::random::normal({batch, c.frames, c.vocab}, mx::float32, mx::random::key(12));
  const CtcTargets targets = make_ctc_targets(c.targets, kBlank, c.frames);
  const mx::array grad =
      mx::grad([&](const mx::array& x) { return loss_of_logits(x, targets); })(logits);
  const std::vector<float> got = values(grad), raw = values(logits);
  auto total = [&](std::vector<double> x) {
    double sum = 0.0;
    for (int b = 0; b < batch; ++b) {
      std::vector<double> row(x.begin() + b * c.frames * c.vocab,
                              x.begin() + (b + 1) * c.frames * c.vocab);
      sum += brute_force_nll(log_softmax_rows(row, c.frames, c.vocab), c.frames, c.vocab,
                             c.targets[b]);
    }
    return sum;
  };
  const std::vector<double> base(raw.begin(), raw.end());
  for (int i = 0; i < size; ++i) {
    std::vector<double> up = base, down = base;
    up[i] += 1e-4;
    down[i] -= 1e-4;
    EXPECT_NEAR(got[i], (total(up) - total(down)) / 2e-4, 1e-3) << "logit " << i;
  }
}

TEST(Ctc, ATargetTooLongForTheFramesCountsZeroAndKeepsGradientsFinite) {
  // Three labels with two repeats need five frames; there are three.
  const CtcTargets targets = make_ctc_targets({{1, 1, 1}, {1}}, kBlank, 3);
  EXPECT_EQ(values(targets.weight), (std::vector<float>{0.0f, 1.0f}));
  const mx::array logits = mx::random::normal({2, 3, 2}, mx::float32, mx::random::key(13));
  const mx::array grad =
      mx::grad([&](const mx::array& x) { return loss_of_logits(x, targets); })(logits);
  const std::vector<float> g = values(grad);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(g[i], 0.0f) << "the dropped row's logit " << i;
  for (float v : g)
    EXPECT_TRUE(std::isfinite(v));
  const std::vector<float> lp = values(logits - mx::logsumexp(logits, -1, true));
  std::vector<double> row(lp.begin() + 6, lp.end());
  EXPECT_NEAR(values(ctc_loss_sum(logits - mx::logsumexp(logits, -1, true), targets))[0],
              brute_force_nll(row, 3, 2, {1}), 1e-5);
}

TEST(Ctc, ABatchOfEmptyTargetsIsTheProbabilityOfAllBlanks) {
  const mx::array logits = mx::random::normal({2, 4, 3}, mx::float32, mx::random::key(14));
  const mx::array lp = logits - mx::logsumexp(logits, -1, true);
  const CtcTargets targets = make_ctc_targets({{}, {}}, kBlank, 4);
  const std::vector<float> v = values(lp);
  double want = 0.0;
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 4; ++t)
      want -= v[(b * 4 + t) * 3 + kBlank];
  EXPECT_NEAR(values(ctc_loss_sum(lp, targets))[0], want, 1e-5 * want);
}

}  // namespace
}  // namespace mlxocr
