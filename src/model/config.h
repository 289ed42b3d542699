// The VisionEncoderDecoder config.json of a TrOCR checkpoint, parsed completely and checked.
// Field names follow transformers' ViTConfig / DeiTConfig / TrOCRConfig so a reader can compare.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace mlxocr {

// ViTConfig / DeiTConfig. DeiT adds a distillation token next to the cls token.
struct EncoderConfig {
  std::string model_type;  // "vit" or "deit"
  int hidden_size = 768;
  int num_hidden_layers = 12;
  int num_attention_heads = 12;
  int intermediate_size = 3072;
  std::string hidden_act = "gelu";
  double layer_norm_eps = 1e-12;
  int image_height = 224;  // image_size as int or [h, w]
  int image_width = 224;
  int patch_height = 16;  // patch_size as int or [h, w]
  int patch_width = 16;
  int num_channels = 3;
  bool qkv_bias = true;
  int pooler_output_size = 768;  // defaults to hidden_size
  std::string pooler_act = "tanh";

  bool has_distillation_token() const { return model_type == "deit"; }
  int num_patches() const { return (image_height / patch_height) * (image_width / patch_width); }
  // cls (+ distillation) + patches
  int sequence_length() const { return num_patches() + (has_distillation_token() ? 2 : 1); }
  int head_dim() const { return hidden_size / num_attention_heads; }
};

// TrOCRConfig.
struct DecoderConfig {
  std::string model_type = "trocr";
  int vocab_size = 50265;
  int d_model = 1024;
  int decoder_layers = 12;
  int decoder_attention_heads = 16;
  int decoder_ffn_dim = 4096;
  std::string activation_function = "gelu";
  int max_position_embeddings = 512;
  bool scale_embedding = false;
  bool use_learned_position_embeddings = true;
  bool layernorm_embedding = true;
  // Width of the encoder states the cross-attention reads (k_proj/v_proj input); when absent and
  // the encoder is wider or narrower than d_model, the model has an enc_to_dec_proj instead.
  std::optional<int> cross_attention_hidden_size;
  // transformers ties output_projection to embed_tokens unless the decoder config says false.
  bool tie_word_embeddings = true;
  int pad_token_id = 1;
  int bos_token_id = 0;
  int eos_token_id = 2;
  int decoder_start_token_id = 2;
  double layer_norm_eps = 1e-5;  // nn.LayerNorm's default, not configurable in TrOCR

  int head_dim() const { return d_model / decoder_attention_heads; }
};

// The "mlxocr" section `mlxocr convert` adds to config.json: how the weights of a converted folder
// are stored. Its weights file uses mlxocr's own layout (fused q/k/v projections, MLX quantized
// triplets), so only mlxocr reads it; a folder without the section is a Hugging Face folder.
inline constexpr int kConvertedFormatVersion = 1;
inline constexpr const char* kConvertedWeightsFile = "mlxocr.safetensors";

struct QuantizationConfig {
  int bits = 4;          // 4 or 8
  int group_size = 64;   // 32, 64 or 128
  bool encoder = false;  // encoder linear layers (and enc_to_dec_proj) quantized too
  // Layers left in floating point, because their input width is not a multiple of group_size.
  std::vector<std::string> skipped;
};

struct ConvertedFormat {
  int format_version = kConvertedFormatVersion;
  std::string dtype = "float32";  // of every floating tensor (quantization scales included)
  std::optional<QuantizationConfig> quantization;
  std::string source;  // what was converted, for information
};

struct ModelConfig {
  EncoderConfig encoder;
  DecoderConfig decoder;
  // VisionEncoderDecoderModel adds Linear(encoder.hidden_size, decoder.d_model) when the widths
  // differ and the decoder has no cross_attention_hidden_size.
  bool has_enc_to_dec_proj = false;
  // Top-level ids used by generate(); fall back to the decoder's.
  int decoder_start_token_id = 2;
  int pad_token_id = 1;
  int eos_token_id = 2;
  std::optional<ConvertedFormat> converted;  // set for folders written by `mlxocr convert`
  nlohmann::json raw;                        // the file as read, for writing it back unchanged

  // Width the decoder's cross-attention k/v projections take as input.
  int cross_attention_input_size() const {
    return has_enc_to_dec_proj ? decoder.d_model
                               : decoder.cross_attention_hidden_size.value_or(encoder.hidden_size);
  }
};

// The ranges config.json values must lie in; a value outside is refused with a LimitError naming
// the file, the field and the range before anything is sized from it. Each is generous for every
// ViT/DeiT/TrOCR checkpoint published (trocr-large: hidden 1024, 24 encoder / 12 decoder layers,
// 16 heads, ffn 4096, vocab 50265, 512 positions, 384x384 images of 576 patches; ViT-huge:
// hidden 1280, 32 layers, ffn 5120; ViT-22B: hidden 6144, 48 layers, 48 heads, ffn 24576) by at
// least 2-8x, and small enough that every product the model sizes from them (a position table
// of positions x d_model, an embedding of vocab x d_model, an attention matrix of patches^2)
// fits a 32-bit element count and the total is bounded by kMaxParameters.
struct ConfigLimits {
  static constexpr int kMaxWidth = 16384;                 // hidden_size, d_model, pooler, cross
  static constexpr int kMaxIntermediate = 65536;          // intermediate_size, decoder_ffn_dim
  static constexpr int kMaxLayers = 256;                  // num_hidden_layers, decoder_layers
  static constexpr int kMaxHeads = 256;                   // attention heads
  static constexpr int kMaxVocabulary = 1 << 20;          // vocab_size (TrOCR: 50265 / 64044)
  static constexpr int kMaxPositions = 16384;             // max_position_embeddings (TrOCR: 512)
  static constexpr int kMaxImageSide = 8192;              // image_size, each side (TrOCR: 384)
  static constexpr int kMaxPatches = 16384;               // (image / patch) cells (TrOCR: 576)
  static constexpr int kMaxChannels = 4;                  // num_channels (TrOCR: 3)
  static constexpr long long kMaxParameters = 1LL << 32;  // 4.3 G (trocr-large: 558 M)
};

// Reads and checks `model_dir/config.json`. Throws ConfigError naming the file and the field,
// LimitError (a UsageError) for a value outside ConfigLimits.
ModelConfig load_model_config(const std::filesystem::path& model_dir);

// Same from JSON already in memory; `source` names it in error messages.
ModelConfig parse_model_config(const nlohmann::json& json, const std::string& source);

// The "mlxocr" section for `format`, as convert writes it into config.json.
nlohmann::json converted_format_json(const ConvertedFormat& format);

// Number of parameters as transformers' `model.num_parameters()` counts them (tied weights once,
// pooler included, sinusoidal tables excluded since they are not parameters).
long long count_parameters(const ModelConfig& config);

}  // namespace mlxocr
