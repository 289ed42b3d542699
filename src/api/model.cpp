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
  const GenerationConfig& c = impl_->recognizer.default_config();
  GenerationOptions o;
  o.max_new_tokens = c.max_new_tokens;
  o.min_new_tokens = c.min_new_tokens;
  o.num_beams = c.num_beams;
  o.length_penalty = c.length_penalty;
  o.early_stopping = c.early_stopping;
  o.num_return_sequences = c.num_return_sequences;
  o.do_sample = c.do_sample;
  o.temperature = c.temperature;
  o.top_k = c.top_k;
  o.top_p = c.top_p;
  o.seed = c.seed;
  o.no_repeat_ngram_size = c.no_repeat_ngram_size;
  o.repetition_penalty = c.repetition_penalty;
  o.bad_words_ids = c.bad_words_ids;
  return o;
}

}  // namespace mlxocr
