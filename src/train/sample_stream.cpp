#include "train/sample_stream.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace mlxocr {

SampleStream::SampleStream(size_t dataset_size, unsigned long long seed)
    : size_(dataset_size), seed_(seed) {}

size_t SampleStream::at(long long position) {
  const long long epoch = position / static_cast<long long>(size_);
  if (epoch != epoch_) {
    order_.resize(size_);
    std::iota(order_.begin(), order_.end(), size_t{0});
    // A Fisher-Yates shuffle of our own: std::shuffle's algorithm is up to the standard library,
    // and the order must not change with it (resume across builds).
    std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<unsigned long long>(epoch));
    for (size_t i = size_ - 1; i > 0; --i) {
      const size_t j = static_cast<size_t>(rng() % (i + 1));
      std::swap(order_[i], order_[j]);
    }
    epoch_ = epoch;
  }
  return order_[static_cast<size_t>(position % static_cast<long long>(size_))];
}

}  // namespace mlxocr
