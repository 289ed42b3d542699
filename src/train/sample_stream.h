// The order in which training samples are seen: an endless stream of epochs, each a fresh
// shuffle of the dataset drawn from (seed, epoch). A position in the stream is all a resume needs
// to continue with exactly the same batches.
#pragma once

#include <cstddef>
#include <vector>

namespace mlxocr {

class SampleStream {
 public:
  SampleStream(size_t dataset_size, unsigned long long seed);
  // The dataset index at stream position `position`.
  size_t at(long long position);
  size_t dataset_size() const { return size_; }

 private:
  size_t size_;
  unsigned long long seed_;
  long long epoch_ = -1;
  std::vector<size_t> order_;
};

}  // namespace mlxocr
