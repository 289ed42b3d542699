// The k largest entries of each row, for beam search: each step picks the 2 x beams best of
// beams x vocabulary scores per image (256 K for trocr-small's 4 beams). MLX's CPU argpartition
// partially sorts the whole row on one thread, about a millisecond per step here; a scan that
// keeps the best k seen so far rejects nearly every entry with one comparison, and the row is
// cut into chunks scanned by several threads.
#include "kernels/cpu/top_k.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "kernels/cpu/primitive.h"

namespace mlxocr {

namespace {

// An entry and where it was; `better` orders by value, then the lower index first (as topk).
struct Entry {
  float value;
  std::int64_t index;
};

bool better(const Entry& a, const Entry& b) {
  return a.value > b.value || (a.value == b.value && a.index < b.index);
}

// The best k entries of x[from, to), best first, in `best` (k slots; fewer when the range holds
// fewer entries that are not NaN). Entries are met in index order, so an equal value never
// displaces one already kept: ties keep the lower index.
int scan(const float* x, std::int64_t from, std::int64_t to, int k, Entry* best) {
  int kept = 0;
  float threshold = -std::numeric_limits<float>::infinity();
  for (std::int64_t i = from; i < to; ++i) {
    const float v = x[i];
    if (kept == k && !(v > threshold)) continue;  // the common case; NaN falls here too
    if (v != v) continue;
    int at = kept < k ? kept++ : k - 1;
    while (at > 0 && best[at - 1].value < v) {
      best[at] = best[at - 1];
      --at;
    }
    best[at] = {v, i};
    if (kept == k) threshold = best[k - 1].value;
  }
  return kept;
}

constexpr std::int64_t kChunk = 1 << 15;  // entries per part of a row

// Input x [rows, n] float32; output [rows, k] int32, the indices of each row's k best entries,
// best first.
class TopIndices : public kernel::KernelPrimitive {
 public:
  TopIndices(mx::Stream stream, int k) : KernelPrimitive(stream), k_(k) {}
  const char* name() const override { return "MlxocrTopIndices"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return k_ == static_cast<const TopIndices&>(other).k_;
  }
  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    return {{inputs[0].shape(0), k_}};
  }

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    kernel::dispatch(stream(), inputs, out, [k = k_](std::vector<mx::array>& in, mx::array& y) {
      const std::int64_t rows = in[0].shape(0), n = in[0].shape(1);
      const std::int64_t chunks = (n + kChunk - 1) / kChunk, parts = rows * chunks;
      const float* x = in[0].data<float>();
      std::vector<Entry> found(static_cast<std::size_t>(parts * k));
      std::vector<int> kept(static_cast<std::size_t>(parts));
      kernel::for_rows(parts, kChunk, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t part = begin; part < end; ++part) {
          const std::int64_t row = part / chunks, chunk = part % chunks;
          const std::int64_t from = chunk * kChunk, to = std::min(n, from + kChunk);
          kept[part] = scan(x + row * n, from, to, k, found.data() + part * k);
        }
      });
      std::int32_t* dst = y.data<std::int32_t>();
      for (std::int64_t row = 0; row < rows; ++row) {
        std::vector<Entry> merged;
        for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
          const std::int64_t part = row * chunks + chunk;
          merged.insert(merged.end(), found.begin() + part * k,
                        found.begin() + part * k + kept[part]);
        }
        std::sort(merged.begin(), merged.end(), better);
        for (int i = 0; i < k; ++i)  // a row of NaN only: index 0 stands in
          dst[row * k + i] =
              static_cast<std::int32_t>(i < static_cast<int>(merged.size()) ? merged[i].index : 0);
      }
    });
  }

 private:
  int k_;
};

}  // namespace

mx::array top_indices_cpu(const mx::array& x, int k) {
  if (x.ndim() != 2 || k < 1 || k > x.shape(1) || x.dtype() != mx::float32)
    throw UsageError("internal error: top_indices_cpu takes float32 [rows, n] and 1 <= k <= n");
  std::vector<mx::array> inputs = kernel::kernel_inputs({x});
  mx::Shape shape{x.shape(0), k};
  return mx::array(std::move(shape), mx::int32,
                   std::make_shared<TopIndices>(kernel::cpu_stream(), k), std::move(inputs));
}

}  // namespace mlxocr
