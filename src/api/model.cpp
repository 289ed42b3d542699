#include <utility>

#include "api/model_impl.h"
#include "core/backend.h"
#include "io/model_resolver.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

std::optional<mx::Dtype> compute_dtype(const std::string& name) {
  if (name.empty()) return std::nullopt;
  try {
    return parse_float_dtype(name);
  } catch (const UsageError& e) {
    throw UsageError(std::string("LoadOptions::dtype: ") + e.what());
  }
}

}  // namespace

Model::Impl::Impl(const std::filesystem::path& folder, std::optional<mx::Dtype> dtype)
    : recognizer(folder, dtype) {
  const TrOCRModel& model = recognizer.model();
  info.folder = folder.string();
  info.encoder_type = model.config.encoder.model_type;
  info.decoder_type = model.config.decoder.model_type;
  info.dtype = dtype_name(model.dtype);
  info.backend = backend_name();
  info.image_width = model.config.encoder.image_width;
  info.image_height = model.config.encoder.image_height;
  info.vocab_size = model.config.decoder.vocab_size;
  info.resizes_images = recognizer.resizes_images();
  info.warnings = model.warnings;
}

Model Model::load(const std::string& spec, const LoadOptions& options) {
  const std::optional<mx::Dtype> dtype = compute_dtype(options.dtype);  // before any file is read
  return Model(std::make_shared<const Impl>(resolve_model(spec), dtype));
}

const ModelInfo& Model::info() const {
  return impl_->info;
}

GenerationOptions Model::default_generation() const {
  return generation_options(impl_->recognizer.default_config());
}

}  // namespace mlxocr
