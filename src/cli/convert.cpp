// mlxocr convert: a Hugging Face TrOCR checkpoint to mlxocr's own folder layout, optionally in
// half precision and quantized (see include/mlxocr/convert.h and docs/convert.md).
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "mlxocr/convert.h"

namespace mlxocr::cli {

namespace {

struct ConvertArgs {
  std::string input, output, base, dtype;
  int bits = 0;
  int group_size = 64;
  bool quantize_encoder = false;
  bool force = false;
  bool json = false;
};

std::string megabytes(std::uintmax_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

}  // namespace

Action add_convert(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand(
      "convert", "Convert a TrOCR checkpoint to mlxocr's layout: half precision, quantization");
  cmd->add_option("-i,--input", args->input,
                  "Source: a Hugging Face model folder, a hub id org/name[@revision], or a "
                  "fine-tuned weights file (.safetensors / pytorch_model.bin, with --base)")
      ->required();
  cmd->add_option("-o,--output", args->output, "Folder to write (must not exist, unless --force)")
      ->required();
  cmd->add_option("--dtype", args->dtype,
                  "float32, float16 or bfloat16 (default: the dtype the source stores)");
  cmd->add_option("-q,--quantize", args->bits,
                  "Quantize linear layers to 4 or 8 bits (MLX affine, group-wise)");
  cmd->add_option("--group-size", args->group_size,
                  "Inputs sharing one scale and bias: 32, 64 or 128 (default 64)");
  cmd->add_flag("--quantize-encoder,!--no-quantize-encoder", args->quantize_encoder,
                "Quantize the encoder's linear layers too (default: decoder only)");
  cmd->add_option("--base", args->base,
                  "Model (folder or hub id) that supplies what the input lacks: config.json, "
                  "tokenizer, preprocessor and generation configs");
  cmd->add_flag("--force", args->force, "Replace the output folder if it exists");
  cmd->add_flag("--json", args->json, "Print a JSON summary");
  cmd->footer(
      "The output folder holds config.json (with an \"mlxocr\" section: format version, dtype,\n"
      "quantization), mlxocr.safetensors (q/k/v projections fused; quantized layers as MLX's\n"
      "weight/scales/biases triplets) and the tokenizer, preprocessor and generation files. It\n"
      "is written to a temporary folder next to DIR and renamed into place when complete.\n"
      "Every mlxocr command takes it as --model / MODEL. Quantization covers the decoder's\n"
      "linear layers, embedding table and output projection (and with --quantize-encoder the\n"
      "encoder's); a layer whose input width is not a multiple of the group size stays in\n"
      "floating point and is listed. Accuracy and sizes: docs/convert.md.\n\n"
      "Speed on the CPU: where it has AVX-512 VNNI (Intel Ice Lake and later, AMD Zen 4 and\n"
      "later), AVX-VNNI (Intel Alder Lake and later clients) or AVX2, 8-bit layers run as int8\n"
      "products with their inputs quantized on the fly, and -q 8 --quantize-encoder is the\n"
      "fastest form with AVX-512 VNNI (on a 2-core Zen 4, trocr-small 3.6-4.1x PyTorch's\n"
      "float32 end to end, bench/RESULTS.md; other paths: bench/INT8.md); elsewhere an 8-bit\n"
      "decoder reads a quarter of the bytes per token, and an 8-bit encoder runs at float32\n"
      "speed.\n\n"
      "Examples:\n"
      "  mlxocr convert -i microsoft/trocr-base-handwritten -o models/trocr-base-q4 -q 4\n"
      "  mlxocr convert -i microsoft/trocr-small-printed -o models/small-q8 -q 8 "
      "--quantize-encoder\n"
      "  mlxocr convert -i ./my-finetune -o models/mine-fp16 --dtype float16\n"
      "  mlxocr convert -i ckpt/model.safetensors --base microsoft/trocr-small-printed -o "
      "models/mine");
  return [args]() {
    ConvertOptions options;
    options.input = args->input;
    options.output = args->output;
    options.base = args->base;
    options.dtype = args->dtype;
    options.bits = args->bits;
    options.group_size = args->group_size;
    options.quantize_encoder = args->quantize_encoder;
    options.force = args->force;
    const ConvertResult r = convert(options);
    nlohmann::json j = {{"input", args->input},
                        {"output", r.output.string()},
                        {"mlxocr", nlohmann::json::parse(r.format_json)},
                        {"quantized_layers", r.quantized_layers.size()},
                        {"skipped_layers", r.skipped_layers},
                        {"files", r.copied_files},
                        {"source_weight_bytes", r.source_weight_bytes},
                        {"output_weight_bytes", r.output_weight_bytes},
                        {"warnings", r.warnings}};
    if (args->json) {
      std::cout << j.dump(2) << "\n";
      return 0;
    }
    std::cout << "converted      " << args->input << " -> " << r.output.string() << "\n"
              << "dtype          " << r.dtype << "\n"
              << "quantization   ";
    if (r.bits) {
      std::cout << r.bits << "-bit, group size " << r.group_size << ", "
                << (r.quantized_encoder ? "encoder and decoder" : "decoder only") << ": "
                << r.quantized_layers.size() << " linear layers quantized\n";
      if (!r.skipped_layers.empty()) {
        std::cout << "not quantized  " << r.skipped_layers.size()
                  << " layers whose input width is not a multiple of " << r.group_size << ", e.g. "
                  << r.skipped_layers.front() << " (--json lists them)\n";
      }
    } else {
      std::cout << "none\n";
    }
    std::cout << "weights        " << megabytes(r.output_weight_bytes) << " (source "
              << megabytes(r.source_weight_bytes) << ")\n";
    for (const std::string& w : r.warnings)
      std::cout << "warning        " << w << "\n";
    return 0;
  };
}

}  // namespace mlxocr::cli
