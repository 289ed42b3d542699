// mlxocr inspect MODEL [--json]: what a checkpoint is, without running it.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "image/processor.h"
#include "image/resize.h"
#include "io/model_resolver.h"
#include "mlxocr/error.h"
#include "model/model.h"
#include "pipeline/calibration.h"

namespace mlxocr::cli {

namespace {

namespace fs = std::filesystem;

// Which tokenizer the folder carries, judged by its files (inspect must not fail on them).
std::string tokenizer_files_kind(const fs::path& dir) {
  if (fs::exists(dir / "sentencepiece.bpe.model")) return "SentencePiece (XLM-R layout)";
  if (fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt")) return "byte-level BPE";
  if (fs::exists(dir / "tokenizer.json")) return "tokenizer.json";
  return "none";
}

// The image processor's settings, or why there are none (inspect reports rather than fails).
nlohmann::json image_processor_json(const fs::path& dir) {
  try {
    const ImageProcessorConfig c = load_image_processor_config(dir);
    return {{"height", c.height},
            {"width", c.width},
            {"do_resize", c.do_resize},
            {"resample", pil_resample_name(c.resample)},
            {"pillow_resize_order", pillow_resize_order_name(c.resize_order)}};
  } catch (const Error& e) {
    return {{"error", e.what()}};
  }
}

// The folder's calibration.json (method, levels, what it was fitted on), null without one, or
// why it cannot be used (inspect reports rather than fails; reading with the model fails).
nlohmann::json calibration_json(const fs::path& dir) {
  try {
    const std::optional<Calibration> c = load_calibration(dir);
    if (!c) return nullptr;
    nlohmann::json levels = {"line"};
    if (c->word) levels.push_back("word");
    return {{"file", (dir / kCalibrationFile).string()},
            {"method", c->method},
            {"levels", levels},
            {"fit", c->fit}};
  } catch (const Error& e) {
    return {{"error", e.what()}};
  }
}

// One line on the calibration: raw, its method and fit, or its error.
std::string calibration_text(const nlohmann::json& c) {
  if (c.is_null()) return "none: confidences are raw, exp(mean token log-prob)";
  if (c.contains("error")) return "unusable: " + c["error"].get<std::string>();
  std::string text = c["method"].get<std::string>() + " (" +
                     (c["levels"].size() > 1 ? "line and word" : "line") + " confidences)";
  const auto& fit = c["fit"];
  if (fit.is_object() && fit.value("ece_before", nlohmann::json()).is_number() &&
      fit.value("ece_after", nlohmann::json()).is_number()) {
    char ece[64];
    std::snprintf(ece, sizeof ece, ", ECE %.3f -> %.3f", fit["ece_before"].get<double>(),
                  fit["ece_after"].get<double>());
    text += ece;
  }
  return text;
}

std::string weights_file(const fs::path& dir) {
  for (const char* name :
       {kConvertedWeightsFile, "model.safetensors", "model.safetensors.index.json",
        "pytorch_model.bin", "pytorch_model.bin.index.json"}) {
    if (fs::exists(dir / name)) return name;
  }
  return "none";
}

// Counts the quantized linear layers.
class QuantizedCounter : public ParameterVisitor {
 public:
  int quantized = 0, floating = 0;
  void tensor(const std::string&, mx::array&) override {}
  void linear(const std::string&, Linear& layer, LinearKind) override {
    ++(layer.quantized ? quantized : floating);
  }
};

nlohmann::json quantization_json(TrOCRModel model) {
  const ModelConfig& config = model.config;
  if (!config.converted || !config.converted->quantization) return nullptr;
  const QuantizationConfig& q = *config.converted->quantization;
  QuantizedCounter counter;
  visit_parameters(model, counter);
  return {{"mode", "affine"},
          {"bits", q.bits},
          {"group_size", q.group_size},
          {"encoder", q.encoder},
          {"quantized_layers", counter.quantized},
          {"floating_layers", counter.floating},
          {"skipped", q.skipped}};
}

nlohmann::json describe(const std::string& spec, const fs::path& dir, const TrOCRModel& model) {
  const EncoderConfig& e = model.config.encoder;
  const DecoderConfig& d = model.config.decoder;
  nlohmann::json j;
  j["model"] = spec;
  j["folder"] = dir.string();
  j["format"] = model.config.converted ? "mlxocr" : "huggingface";
  if (model.config.converted) j["format_version"] = model.config.converted->format_version;
  j["architecture"] = "VisionEncoderDecoderModel";
  j["encoder"] = {{"type", e.model_type},
                  {"hidden_size", e.hidden_size},
                  {"num_hidden_layers", e.num_hidden_layers},
                  {"num_attention_heads", e.num_attention_heads},
                  {"intermediate_size", e.intermediate_size},
                  {"hidden_act", e.hidden_act},
                  {"layer_norm_eps", e.layer_norm_eps},
                  {"qkv_bias", e.qkv_bias},
                  {"image_size", {e.image_height, e.image_width}},
                  {"patch_size", {e.patch_height, e.patch_width}},
                  {"num_channels", e.num_channels},
                  {"distillation_token", e.has_distillation_token()},
                  {"sequence_length", e.sequence_length()}};
  j["decoder"] = {
      {"type", d.model_type},
      {"d_model", d.d_model},
      {"decoder_layers", d.decoder_layers},
      {"decoder_attention_heads", d.decoder_attention_heads},
      {"decoder_ffn_dim", d.decoder_ffn_dim},
      {"activation_function", d.activation_function},
      {"vocab_size", d.vocab_size},
      {"position_embeddings", d.use_learned_position_embeddings ? "learned" : "sinusoidal"},
      {"max_position_embeddings", d.max_position_embeddings},
      {"layernorm_embedding", d.layernorm_embedding},
      {"scale_embedding", d.scale_embedding},
      {"cross_attention_hidden_size", d.cross_attention_hidden_size
                                          ? nlohmann::json(*d.cross_attention_hidden_size)
                                          : nlohmann::json(nullptr)},
      {"tie_word_embeddings", d.tie_word_embeddings}};
  j["enc_to_dec_proj"] = model.config.has_enc_to_dec_proj;
  j["num_parameters"] = count_parameters(model.config);
  j["dtype"] = model.stored_dtype;
  j["quantization"] = quantization_json(model);
  j["weights_file"] = weights_file(dir);
  j["tokenizer"] = tokenizer_files_kind(dir);
  j["image_processor"] = image_processor_json(dir);
  j["calibration"] = calibration_json(dir);
  j["special_tokens"] = {{"decoder_start_token_id", model.config.decoder_start_token_id},
                         {"pad_token_id", model.config.pad_token_id},
                         {"eos_token_id", model.config.eos_token_id}};
  j["warnings"] = model.warnings;
  return j;
}

std::string millions(long long n) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2fM", static_cast<double>(n) / 1e6);
  return text;
}

void print_text(const nlohmann::json& j) {
  const auto& e = j["encoder"];
  const auto& d = j["decoder"];
  std::cout << "model          " << j["model"].get<std::string>() << "\n";
  if (j["folder"] != j["model"])
    std::cout << "folder         " << j["folder"].get<std::string>() << "\n";
  std::cout << "weights        " << j["weights_file"].get<std::string>() << " ("
            << j["dtype"].get<std::string>()
            << (j["format"] == "mlxocr" ? ", converted by mlxocr convert" : "") << ")\n";
  if (j["format"] == "mlxocr") {
    const auto& q = j["quantization"];
    std::cout << "quantization   ";
    if (q.is_null()) {
      std::cout << "none\n";
    } else {
      std::cout << q["bits"].get<int>() << "-bit affine, group size " << q["group_size"].get<int>()
                << ", " << (q["encoder"].get<bool>() ? "encoder and decoder" : "decoder only")
                << ": " << q["quantized_layers"].get<int>() << " linear layers quantized, "
                << q["floating_layers"].get<int>() << " in " << j["dtype"].get<std::string>();
      if (!q["skipped"].empty()) {
        std::cout << " (" << q["skipped"].size()
                  << " because their input width is not a multiple of "
                  << q["group_size"].get<int>() << ")";
      }
      std::cout << "\n";
    }
  }
  std::cout << "parameters     " << j["num_parameters"].get<long long>() << " ("
            << millions(j["num_parameters"].get<long long>()) << ")\n"
            << "encoder        " << e["type"].get<std::string>() << ": " << e["num_hidden_layers"]
            << " layers, hidden " << e["hidden_size"] << ", " << e["num_attention_heads"]
            << " heads, mlp " << e["intermediate_size"] << ", "
            << e["hidden_act"].get<std::string>() << ", qkv_bias "
            << (e["qkv_bias"].get<bool>() ? "yes" : "no") << "\n"
            << "image          " << e["image_size"][0] << "x" << e["image_size"][1]
            << " (h x w), patch " << e["patch_size"][0] << "x" << e["patch_size"][1] << ", "
            << e["sequence_length"] << " tokens\n"
            << "decoder        " << d["type"].get<std::string>() << ": " << d["decoder_layers"]
            << " layers, d_model " << d["d_model"] << ", " << d["decoder_attention_heads"]
            << " heads, ffn " << d["decoder_ffn_dim"] << ", "
            << d["activation_function"].get<std::string>() << ", "
            << d["position_embeddings"].get<std::string>() << " positions\n"
            << "vocabulary     " << d["vocab_size"] << " tokens, tokenizer "
            << j["tokenizer"].get<std::string>() << "\n"
            << "enc_to_dec     " << (j["enc_to_dec_proj"].get<bool>() ? "projection" : "none")
            << ", output projection "
            << (d["tie_word_embeddings"].get<bool>() ? "tied to embeddings" : "separate") << "\n";
  const auto& p = j["image_processor"];
  std::cout << "processor      ";
  if (p.contains("error")) {
    std::cout << "none: " << p["error"].get<std::string>() << "\n";
  } else {
    std::cout << (p["do_resize"].get<bool>()
                      ? "resize to " + p["height"].dump() + "x" + p["width"].dump() + " (h x w), "
                      : std::string("no resize, "))
              << p["resample"].get<std::string>() << ", resize passes in Pillow "
              << p["pillow_resize_order"].get<std::string>() << "'s order\n";
  }
  std::cout << "calibration    " << calibration_text(j["calibration"]) << "\n";
  for (const auto& w : j["warnings"])
    std::cout << "warning        " << w.get<std::string>() << "\n";
}

}  // namespace

Action add_inspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Show a checkpoint's architecture, size and dtype");
  cmd->footer(
      "MODEL is a Hugging Face TrOCR folder (config.json + model.safetensors or "
      "pytorch_model.bin),\n"
      "a folder written by `mlxocr convert` (dtype and quantization are shown), or a hub id\n"
      "org/name[@revision] (from the Hugging Face cache, downloaded when absent).\n"
      "The weights are loaded and checked against config.json, so a broken checkpoint is reported\n"
      "here. num_parameters counts as transformers' model.num_parameters() does.\n\n"
      "Example:\n  mlxocr inspect tests/fixtures/models/vit-trocr --json");
  auto model_dir = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("MODEL", *model_dir, "Model folder or hub id")->required();
  cmd->add_flag("--json", *as_json, "Print JSON (total under \"num_parameters\")");
  return [model_dir, as_json]() {
    const fs::path dir = resolve_model(*model_dir);
    const TrOCRModel model = load_model(dir);
    const nlohmann::json j = describe(*model_dir, dir, model);
    if (*as_json) {
      std::cout << j.dump(2) << "\n";
    } else {
      print_text(j);
    }
    return 0;
  };
}

}  // namespace mlxocr::cli
