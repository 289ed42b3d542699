// Multi-head attention over a block of queries (an encoder layer, a training step's decoder)
// that reads every head where the projections left it and writes the heads merged. MLX's CPU
// matmul takes only row-major or transposed operands, so the head views of split_heads were
// copied before each matmul and merge_heads copied the result back, forward and backward: most of
// the strided copies of a training step (bench/TRAINING.md). Here each head's products are
// cblas_sgemm calls with the projection's row stride as leading dimension, the softmax is the
// kernel of softmax_gelu.cpp, and the probabilities are kept for the gradient as MLX keeps them.
#include "kernels/cpu/attention.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/cpu/blas_threads.h"
#include "kernels/cpu/cblas.h"
#include "kernels/cpu/primitive.h"
#include "kernels/cpu/row_kernels.h"

namespace mlxocr {

namespace {

using cblas::kNoTrans;
using cblas::kTrans;

// OpenBLAS runs a product of fewer multiply-adds than this on the calling thread and bigger ones
// on its own threads (GEMM_MULTITHREAD_THRESHOLD 4 x 65536), paying a hand-over per call that
// costs more than a small head's product. Heads up to kSmallHead multiply-adds are therefore cut
// into blocks of query rows under the threshold and shared out between our threads; bigger
// heads run one after the other, each product on OpenBLAS's threads, unless OpenBLAS was left
// single-threaded (blas_threads.h).
constexpr std::int64_t kBlasThreshold = 4 * 65536;
constexpr std::int64_t kSmallHead = 4 * kBlasThreshold;

// How a head's L query rows are cut and whether heads go to several threads.
struct Plan {
  std::int64_t block_rows;
  bool parallel;
};

Plan plan(std::int64_t L, std::int64_t S, std::int64_t D) {
  const std::int64_t product = L * S * D;
  // A single-threaded BLAS (blas_threads.h): whole heads shared out between our threads.
  if (kernel::blas_single_threaded()) return {L, true};
  if (product >= kSmallHead) return {L, false};
  const std::int64_t blocks = product / kBlasThreshold + 1;
  return {(L + blocks - 1) / blocks, true};
}

// Calls fn(begin, end) on ranges of the (batch, head) pairs: on several threads when `plan` says
// so (as many as pair_work, a pair's multiply-adds, makes worth starting), else on this one.
template <class Fn>
void for_pairs(std::int64_t pairs, const Plan& plan, std::int64_t pair_work, Fn fn) {
  if (!plan.parallel) {
    fn(std::int64_t{0}, pairs);
    return;
  }
  kernel::for_rows(pairs, pair_work, fn);
}

// A source's [B, rows, width] floats; at(b, column) points at row 0 of batch b in that column.
struct HeadView {
  float* data;
  std::int64_t rows, width;
  float* at(std::int64_t batch, std::int64_t column) const {
    return data + batch * rows * width + column;
  }
};

struct Layout {
  int heads, head_dim;
  float scale;
  bool causal;
  HeadColumns q, k, v;
};

HeadView view(std::vector<mx::array>& sources, const HeadColumns& c) {
  mx::array& s = sources.at(c.source);
  return {s.data<float>(), s.shape(1), s.shape(2)};
}

std::int64_t visible_keys(const Layout& l, std::int64_t query, std::int64_t queries,
                          std::int64_t keys) {
  return l.causal ? std::clamp<std::int64_t>(query + keys - queries + 1, 0, keys) : keys;
}

std::vector<mx::array> attention_heads_grad(const std::vector<mx::array>& sources,
                                            const mx::array& probs, const mx::array& grad,
                                            const Layout& layout);

// What the forward and gradient primitives share: the layout.
class AttentionPrimitive : public kernel::MultiKernelPrimitive {
 public:
  AttentionPrimitive(mx::Stream stream, Layout layout)
      : MultiKernelPrimitive(stream), layout_(layout) {}
  bool is_equivalent(const mx::Primitive&) const override { return false; }

 protected:
  Layout layout_;
};

// Inputs: the sources. Outputs: the heads merged [B, L, heads * head_dim] and the probabilities
// [B, heads, L, S].
class AttentionHeads : public AttentionPrimitive {
 public:
  using AttentionPrimitive::AttentionPrimitive;
  const char* name() const override { return "MlxocrAttentionHeads"; }

  void eval_cpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) override {
    kernel::allocate_new(outputs);
    kernel::dispatch_outputs(
        stream(), inputs, outputs,
        [l = layout_](std::vector<mx::array>& in, std::vector<mx::array>& out) {
          const HeadView q = view(in, l.q), k = view(in, l.k), v = view(in, l.v);
          const std::int64_t batch = in[l.q.source].shape(0), L = q.rows, S = k.rows,
                             D = l.head_dim;
          const std::int64_t width = l.heads * D;
          float* merged = out[0].data<float>();
          float* probs = out[1].data<float>();
          const Plan cut = plan(L, S, D);
          for_pairs(batch * l.heads, cut, L * S * D, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t pair = begin; pair < end; ++pair) {
              const std::int64_t b = pair / l.heads, h = pair % l.heads;
              const float* qh = q.at(b, l.q.offset + h * D);
              const float* kh = k.at(b, l.k.offset + h * D);
              const float* vh = v.at(b, l.v.offset + h * D);
              float* out_h = merged + b * L * width + h * D;
              for (std::int64_t r = 0; r < L; r += cut.block_rows) {
                const std::int64_t rows = std::min(cut.block_rows, L - r);
                float* p = probs + pair * L * S + r * S;
                cblas::sgemm(kNoTrans, kTrans, rows, S, D, 1.0f, qh + r * q.width, q.width, kh,
                             k.width, 0.0f, p, S);
                for (std::int64_t i = 0; i < rows; ++i)
                  kernel::softmax_row(p + i * S, p + i * S, S, visible_keys(l, r + i, L, S),
                                      l.scale);
                cblas::sgemm(kNoTrans, kNoTrans, rows, D, S, 1.0f, p, S, vh, v.width, 0.0f,
                             out_h + r * width, width);
              }
            }
          });
        });
  }

  std::vector<mx::array> vjp(const std::vector<mx::array>& primals,
                             const std::vector<mx::array>& cotangents,
                             const std::vector<int>& argnums,
                             const std::vector<mx::array>& outputs) override {
    const std::vector<mx::array> all =
        attention_heads_grad(primals, outputs[1], cotangents[0], layout_);
    std::vector<mx::array> wanted;
    for (int arg : argnums)
      wanted.push_back(all.at(arg));
    return wanted;
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    const mx::array& q = inputs.at(layout_.q.source);
    const mx::array& k = inputs.at(layout_.k.source);
    return {{q.shape(0), q.shape(1), layout_.heads * layout_.head_dim},
            {q.shape(0), layout_.heads, q.shape(1), k.shape(1)}};
  }
};

// Inputs: the sources, the probabilities, the merged output's gradient. Outputs: each source's
// gradient (zero in columns no head reads).
class AttentionHeadsGrad : public AttentionPrimitive {
 public:
  using AttentionPrimitive::AttentionPrimitive;
  const char* name() const override { return "MlxocrAttentionHeadsGrad"; }

  void eval_cpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) override {
    kernel::allocate_new(outputs);
    kernel::dispatch_outputs(
        stream(), inputs, outputs,
        [l = layout_](std::vector<mx::array>& in, std::vector<mx::array>& out) {
          const size_t count = out.size();
          std::vector<mx::array> sources(in.begin(), in.begin() + count);
          const float* probs = in[count].data<float>();
          const float* grad = in[count + 1].data<float>();
          for (mx::array& g : out)
            std::memset(g.data<float>(), 0, g.nbytes());
          const HeadView q = view(sources, l.q), k = view(sources, l.k), v = view(sources, l.v);
          const HeadView dq = view(out, l.q), dk = view(out, l.k), dv = view(out, l.v);
          const std::int64_t batch = sources[l.q.source].shape(0), L = q.rows, S = k.rows,
                             D = l.head_dim, width = l.heads * D;
          const Plan cut = plan(L, S, D);
          for_pairs(batch * l.heads, cut, 3 * L * S * D, [&](std::int64_t begin, std::int64_t end) {
            std::vector<float> ds(static_cast<size_t>(cut.block_rows * S));
            for (std::int64_t pair = begin; pair < end; ++pair) {
              const std::int64_t b = pair / l.heads, h = pair % l.heads;
              const std::int64_t qc = l.q.offset + h * D, kc = l.k.offset + h * D,
                                 vc = l.v.offset + h * D;
              for (std::int64_t r = 0; r < L; r += cut.block_rows) {
                const std::int64_t rows = std::min(cut.block_rows, L - r);
                const float* p = probs + pair * L * S + r * S;
                const float* g = grad + (b * L + r) * width + h * D;
                const float* q_rows = q.at(b, qc) + r * q.width;
                // dP = dO V^T, then through the softmax in place: dS = scale P (dP - rowsum(dP P)).
                cblas::sgemm(kNoTrans, kTrans, rows, S, D, 1.0f, g, width, v.at(b, vc), v.width,
                             0.0f, ds.data(), S);
                for (std::int64_t i = 0; i < rows; ++i)
                  kernel::softmax_grad_row(p + i * S, ds.data() + i * S, ds.data() + i * S, S,
                                           l.scale);
                // dQ = dS K, dK += dS^T Q, dV += P^T dO (added: the blocks and q, k, v may share a
                // source's rows).
                cblas::sgemm(kNoTrans, kNoTrans, rows, D, S, 1.0f, ds.data(), S, k.at(b, kc),
                             k.width, 1.0f, dq.at(b, qc) + r * dq.width, dq.width);
                cblas::sgemm(kTrans, kNoTrans, S, D, rows, 1.0f, ds.data(), S, q_rows, q.width,
                             1.0f, dk.at(b, kc), dk.width);
                cblas::sgemm(kTrans, kNoTrans, S, D, rows, 1.0f, p, S, g, width, 1.0f, dv.at(b, vc),
                             dv.width);
              }
            }
          });
        });
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    std::vector<mx::Shape> shapes;
    for (size_t i = 0; i + 2 < inputs.size(); ++i)
      shapes.push_back(inputs[i].shape());
    return shapes;
  }
};

std::vector<mx::array> attention_heads_grad(const std::vector<mx::array>& sources,
                                            const mx::array& probs, const mx::array& grad,
                                            const Layout& layout) {
  std::vector<mx::array> inputs = sources;
  inputs.push_back(probs);
  inputs.push_back(grad);
  return kernel::make_outputs(std::make_shared<AttentionHeadsGrad>(kernel::cpu_stream(), layout),
                              std::move(inputs));
}

}  // namespace

mx::array attention_heads_cpu(const std::vector<mx::array>& sources, HeadColumns q, HeadColumns k,
                              HeadColumns v, int heads, int head_dim, float scale, bool causal) {
  const auto fits = [&](const HeadColumns& c) {
    if (c.source < 0 || c.source >= static_cast<int>(sources.size())) return false;
    const mx::array& s = sources[c.source];
    return s.ndim() == 3 && s.shape(0) == sources[q.source].shape(0) && c.offset >= 0 &&
           c.offset + heads * head_dim <= s.shape(2);
  };
  if (sources.empty() || sources.size() > 3 || heads <= 0 || head_dim <= 0 || !fits(q) ||
      !fits(k) || !fits(v) || sources[k.source].shape(1) != sources[v.source].shape(1))
    throw UsageError(
        "internal error: attention_heads_cpu needs [B, rows, width] sources holding every head");
  const Layout layout{heads, head_dim, scale, causal, q, k, v};
  return kernel::make_outputs(std::make_shared<AttentionHeads>(kernel::cpu_stream(), layout),
                              sources)
      .front();
}

}  // namespace mlxocr
