// A TrOCR checkpoint (Hugging Face folder, hub id or fine-tuned weights file) converted to
// mlxocr's own folder layout, optionally in half precision and with quantized linear layers (what
// `mlxocr convert` does; docs/convert.md). Model::load and every mlxocr command read the result.
//
//   mlxocr::ConvertOptions options;
//   options.input = "microsoft/trocr-small-printed";
//   options.output = "models/small-q8";
//   options.bits = 8;
//   mlxocr::ConvertResult done = mlxocr::convert(options);
//   std::cout << done.quantized_layers.size() << " layers in " << done.output_weight_bytes << "
//   B\n";
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mlxocr {

struct ConvertOptions {
  // A model folder, a hub id "org/name[@revision]", or a fine-tuned weights file (.safetensors,
  // pytorch_model.bin) with `base`.
  std::string input;
  // The folder to write: into a temporary folder beside it, renamed into place when complete.
  std::filesystem::path output;
  // The model whose files complete an input that lacks them (config.json, tokenizer,
  // preprocessor and generation configs): the model a fine-tuned checkpoint started from.
  std::string base;
  std::string dtype;    // "float32", "float16" or "bfloat16"; empty: the dtype the source stores
  int bits = 0;         // 0: no quantization; 4 or 8 (MLX affine, group-wise)
  int group_size = 64;  // inputs sharing one scale and bias: 32, 64 or 128
  bool quantize_encoder = false;  // the encoder's linear layers too (default: decoder only)
  bool force = false;             // replace an existing output folder
};

struct ConvertResult {
  std::filesystem::path output;
  std::string dtype;  // of the written floating tensors
  int bits = 0;       // 0: not quantized
  int group_size = 0;
  bool quantized_encoder = false;
  std::vector<std::string> quantized_layers;  // layer names (converted layout)
  // Layers left in floating point because their input width is not a multiple of group_size:
  // "name (input width 48)".
  std::vector<std::string> skipped_layers;
  std::vector<std::string> copied_files;  // beside the weights: tokenizer, configs, ...
  std::vector<std::string> warnings;      // unexpected tensors, files missing from the source
  std::uintmax_t source_weight_bytes = 0;
  std::uintmax_t output_weight_bytes = 0;
  // The "mlxocr" section written into config.json (format version, dtype, quantization), as
  // JSON text.
  std::string format_json;
};

// Checks the options, then converts. Throws UsageError naming the ConvertOptions field (bits,
// group_size, dtype, output) or for an existing output without `force`, FileError when the
// output cannot be written, HubError, and CheckpointError / ConfigError / TokenizerError for a
// source missing a file.
ConvertResult convert(const ConvertOptions& options);

}  // namespace mlxocr
