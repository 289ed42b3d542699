// A recognition model loaded once: the checkpoint's weights, its image processor, its tokenizer
// and its generation settings. Copies share one loaded model (weights are never copied).
//
//   mlxocr::Model model = mlxocr::Model::load("microsoft/trocr-base-printed");
//   std::cout << model.info().folder << " computes in " << model.info().dtype << "\n";
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mlxocr/generation.h"

namespace mlxocr {

struct LoadOptions {
  // The dtype the model computes in: "float32", "float16" or "bfloat16"; empty: float32 for a
  // Hugging Face folder, the stored dtype for a folder `mlxocr convert` wrote. 8-bit layers of a
  // converted folder stay 8-bit whatever this says. The device is MLX's default for this build
  // (ModelInfo::backend): Metal on Apple silicon, CUDA with the CUDA wheel, else the CPU.
  std::string dtype;
};

// What was loaded.
struct ModelInfo {
  std::string folder;  // the model folder (a hub id's snapshot in the local cache)
  std::string encoder_type, decoder_type;  // config.json's model_type of each ("vit", "trocr")
  std::string dtype;                       // the compute dtype
  std::string backend;                     // where MLX computes: "cpu", "metal" or "cuda"
  int image_width = 0, image_height = 0;   // what the encoder reads, after the image processor
  int vocab_size = 0;
  bool resizes_images = true;  // false: images must have the encoder's size (do_resize false)
  // Tensors the checkpoint holds that the model does not use, and other things worth saying.
  std::vector<std::string> warnings;
};

class Model {
 public:
  // `spec`: a model folder (Hugging Face layout, or what `mlxocr convert` wrote), a hub id
  // "org/name[@revision]" (from the local hub cache, downloaded into it when absent unless
  // HF_HUB_OFFLINE is set), or "" for the bundled default model (MLXOCR_DEFAULT_MODEL when set,
  // else the copy installed beside the library, share/mlxocr/models/). Throws mlxocr::Error
  // subclasses naming the file at fault: UsageError, HubError, ConfigError, CheckpointError,
  // TokenizerError.
  static Model load(const std::string& spec, const LoadOptions& options = {});

  const ModelInfo& info() const;
  // The checkpoint's own generation settings, every field set (what an unset field means).
  GenerationOptions default_generation() const;

  struct Impl;  // the engine's types stay out of this header (see docs/api.md, "Stability")
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace mlxocr
