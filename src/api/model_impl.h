// What a public mlxocr::Model holds: the engine's Recognizer (model, image processor, tokenizer,
// generation defaults) and the description the public header gives of it.
#pragma once

#include <filesystem>
#include <optional>

#include "mlxocr/model.h"
#include "pipeline/recognizer.h"

namespace mlxocr {

struct Model::Impl {
  Impl(const std::filesystem::path& folder, std::optional<mx::Dtype> dtype);

  Recognizer recognizer;
  ModelInfo info;
};

// The public options laid over the checkpoint's settings, checked against the model; a bad value
// is a UsageError naming the GenerationOptions field.
GenerationConfig generation_config(const Model::Impl& model, const GenerationOptions& options);

// Every setting of `config` as the public options (what default_generation() and EvalResult give).
GenerationOptions generation_options(const GenerationConfig& config);

}  // namespace mlxocr
