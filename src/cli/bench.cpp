// mlxocr bench: model load, encoder, decoder and end-to-end speed on a fixed workload, with the
// machine's limits beside them (see bench/RESULTS.md for the comparison with PyTorch).
#include <cstdio>
#include <iostream>

#include "bench/bench.h"
#include "cli/commands.h"
#include "core/file_util.h"
#include "mlxocr/error.h"

namespace mlxocr::cli {

namespace {

struct BenchArgs {
  BenchOptions options;
  std::string dtype;
  bool no_limits = false;
  std::string json;
};

void print_summary(const nlohmann::ordered_json& r) {
  const auto& m = r["metrics"];
  std::printf("model %s (%s, %s%s), blas %s\n", r["model"].get<std::string>().c_str(),
              r["weights"].get<std::string>().c_str(), r["dtype"].get<std::string>().c_str(),
              r["quantized_bits"].get<int>() ? ", quantized" : "",
              r["blas"].get<std::string>().c_str());
  std::printf("  %-28s %10.1f\n", "load_ms", r["load_ms"].get<double>());
  for (const auto& [key, value] : m.items())
    std::printf("  %-28s %10.2f\n", key.c_str(), value.get<double>());
  for (const auto& [key, value] : r["analysis"].items())
    std::printf("  %-28s %10.3f\n", key.c_str(), value.get<double>());
  if (r.contains("limits")) {
    std::printf("  %-28s %10.1f\n", "sgemm_gflops", r["limits"]["sgemm_gflops"].get<double>());
    std::printf("  %-28s %10.1f\n", "read_bandwidth_gbs",
                r["limits"]["read_bandwidth_gbs"].get<double>());
  }
  std::printf("  %-28s %10.1f\n", "peak_rss_mb", r["peak_rss_mb"].get<double>());
}

int run(BenchArgs& args) {
  if (!args.dtype.empty()) args.options.dtype = parse_float_dtype(args.dtype);
  args.options.limits = !args.no_limits;
  const nlohmann::ordered_json result = run_bench(args.options, &std::cerr);
  if (args.json.empty()) {
    std::cout << result.dump(2) << "\n";
  } else {
    write_file_atomic(args.json, result.dump(2) + "\n");
    print_summary(result);
  }
  return 0;
}

constexpr const char* kManual =
    R"(WORKLOAD. Every generation is forced to exactly --new-tokens tokens (EOS is suppressed through
min_new_tokens), so mlxocr and the PyTorch peer (bench/torch_bench.py) do the same work whatever
the weights predict. Each run measures, in this order:
  encoder_ms_per_image         one image through the encoder (batch 1)
  decoder_ms_per_token         greedy decoding of one image from its encoder states, / tokens
                               (the cross-attention keys/values of the image included)
  e2e_ms_per_region_batchB     images in memory -> processor -> encoder -> greedy decoding,
  regions_per_s_batchB         for each --batch-sizes B (B images per call)
  ms_per_region_beamsN         the same at batch 1 with beam search, for each --num-beams N > 1
--warmup greedy batch-1 regions come first and are not counted; the figures are medians over
--runs, every run's value is under "samples".

MODELS. --model takes a model folder (Hugging Face or mlxocr convert output) or a hub id;
--arch trocr-base|trocr-small builds the exact configs of microsoft/trocr-base-handwritten /
trocr-small-handwritten (bench/configs/) with random weights from --seed, nothing downloaded
(load_ms is then the time to draw the weights). From a folder on the CPU, the safetensors file
is mapped, not read: its pages are read when first used (by default in the warm-up), as
PyTorch's loader does (MLXOCR_MAP_WEIGHTS=0 reads every tensor during the load instead).
--dtype computes in float32/float16/bfloat16;
--quantize 8|4 quantizes the decoder's linear layers after loading (group size 64), as
mlxocr convert -q does; --quantize-encoder the encoder's too (convert --quantize-encoder).
"quantized_bits" and "quantized_encoder" report what the model holds (a converted model's, or
--quantize's). On a CPU with AVX-512 VNNI, AVX-VNNI or AVX2, 8-bit layers run as int8 products
with the activations quantized on the fly ("int8_linear" and "int8_path" in the report);
MLXOCR_INT8_PATH=avx512vnni|avxvnni|avx2|portable forces a path, MLXOCR_INT8_PATH=off dequantizes the
weights for sgemm instead, for comparisons.

MACHINE. Unless --no-limits: the sgemm peak (a large float32 mx::matmul, the BLAS MLX calls)
and the read bandwidth (a 512 MB sum). "analysis" relates the model to them: encoder GFLOP/s
(FLOPs counted from the config) as a fraction of the sgemm peak, and decoder ms/token against the
weight-streaming bound (decoder weight bytes read per token / bandwidth). "blas" names the
library that serves cblas_sgemm in this process; "cpu_kernels" whether our own CPU softmax and
GELU ran (float32 on the CPU; MLXOCR_CPU_KERNELS=0 measures MLX's ops instead, and
MLXOCR_FUSED_STEP=0 a decoding step layer by layer instead of one kernel per layer). --threads N sets
the BLAS threads where the BLAS allows it (OpenBLAS) and our kernels' threads. peak_rss_mb is the process's peak resident memory before the limits.

OUTPUT. JSON on stdout, or with --json FILE written there (atomically) and a summary on stdout.
Progress goes to stderr.

Example:
  mlxocr bench --arch trocr-small --runs 3 --json small.json
  bench/run.sh          # mlxocr and PyTorch side by side, writes bench/RESULTS.md)";

}  // namespace

Action add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure speed and memory on a fixed workload");
  auto args = std::make_shared<BenchArgs>();
  BenchOptions& o = args->options;
  cmd->add_option("--model,-m", o.model, "Model folder or hub id org/name[@revision]");
  cmd->add_option("--arch", o.arch, "Built-in shape with random weights: trocr-base, trocr-small")
      ->check(CLI::IsMember({"trocr-base", "trocr-small"}));
  cmd->add_option("--seed", o.seed, "Seed of the --arch random weights")->capture_default_str();
  cmd->add_option("--images", o.images, "Folder of line images (default: 16 rendered lines)");
  cmd->add_option("--batch-sizes", o.batch_sizes, "Greedy batch sizes, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--num-beams", o.num_beams, "Beam counts; those > 1 run at batch 1")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--new-tokens", o.new_tokens, "Tokens generated per region, exactly")
      ->capture_default_str();
  cmd->add_option("--runs", o.runs, "Measured runs (medians are reported)")->capture_default_str();
  cmd->add_option("--warmup", o.warmup, "Greedy batch-1 regions before measuring")
      ->capture_default_str();
  cmd->add_option("--dtype", args->dtype, "Compute dtype: float32, float16, bfloat16");
  cmd->add_option("--quantize", o.quantize_bits, "Quantize the decoder to 8 or 4 bits");
  cmd->add_flag("--quantize-encoder", o.quantize_encoder,
                "With --quantize: the encoder's linear layers too");
  cmd->add_option("--threads", o.threads, "BLAS threads (default: the BLAS's choice)");
  cmd->add_flag("--no-limits", args->no_limits, "Skip the sgemm and bandwidth measurements");
  cmd->add_option("--json", args->json, "Write the JSON report to this file");
  cmd->footer(kManual);
  return [args] { return run(*args); };
}

}  // namespace mlxocr::cli
