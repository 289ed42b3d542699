// mlxocr bench: the fixed workload of the benchmark protocol (docs: bench/RESULTS.md) run through
// mlxocr, reported as JSON that bench/torch_bench.py mirrors key for key for PyTorch.
//
// Every generation is forced to exactly `new_tokens` tokens (EOS suppressed through
// min_new_tokens), so every system does the same work whatever the weights say.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include <mlx/dtype.h>

#include "model/model.h"

namespace mlxocr {

struct BenchOptions {
  std::string model;             // model folder or hub id; empty when `arch` is set
  std::string arch;              // built-in architecture with random weights (bench/arch.h)
  std::uint64_t seed = 0;        // of the random weights
  std::filesystem::path images;  // folder of line images; empty: 16 rendered lines
  std::vector<int> batch_sizes{1, 8};
  std::vector<int> num_beams{1, 4};  // beams > 1 are measured at batch 1
  int new_tokens = 32;
  int runs = 5;
  int warmup = 1;
  std::optional<mx::Dtype> dtype;
  int quantize_bits = 0;  // 0: as stored; 4 or 8: decoder linear layers quantized after loading
  bool quantize_encoder = false;  // with quantize_bits: the encoder's linear layers too
  int threads = 0;                // BLAS threads; 0: the BLAS's own default
  bool limits = true;             // measure sgemm and memory bandwidth too
};

// Runs the workload; progress lines go to `log` when given. Throws UsageError for bad options.
nlohmann::ordered_json run_bench(const BenchOptions& options, std::ostream* log = nullptr);

// Multiply-adds x 2 of one image through the encoder (patch embedding, attention projections,
// attention scores and mixing, feed-forward, enc_to_dec_proj), from the config alone.
double encoder_flops_per_image(const ModelConfig& config);

// Bytes of decoder weights read for one generated token at batch 1: every per-token linear layer
// (self-attention, cross-attention queries and output, feed-forward, output projection) as
// stored (quantized or not). The cross-attention keys/values are computed once per image and the
// embedding table is read one row at a time, so neither counts.
double decoder_weight_bytes_per_token(const TrOCRModel& model);

}  // namespace mlxocr
