#include "image/processor_fit.h"

#include "mlxocr/error.h"

namespace mlxocr {

namespace {

std::string size_text(int height, int width) {
  return std::to_string(height) + "x" + std::to_string(width);
}

}  // namespace

void check_processor_fits_encoder(const ImageProcessorConfig& processor,
                                  const std::string& processor_file, const EncoderConfig& encoder,
                                  const std::string& config_file) {
  if (!processor.do_resize) return;
  if (processor.height == encoder.image_height && processor.width == encoder.image_width) return;
  throw ConfigError(
      processor_file + ": size " + size_text(processor.height, processor.width) +
      " (height x width) does not match " + config_file + ": encoder.image_size " +
      size_text(encoder.image_height, encoder.image_width) + " (patch_size " +
      size_text(encoder.patch_height, encoder.patch_width) + ", " +
      std::to_string(encoder.num_patches()) +
      " patches): the encoder cannot read the images this processor makes (transformers' ViT "
      "refuses them at the first batch: \"Input image size doesn't match model\"); make the two "
      "files agree");
}

ImageProcessorConfig load_image_processor_for(const std::filesystem::path& model_dir,
                                              const EncoderConfig& encoder) {
  const ImageProcessorSource found = read_image_processor_json(model_dir);
  ImageProcessorConfig config = load_image_processor_config(found);
  check_processor_fits_encoder(config, found.source, encoder, (model_dir / "config.json").string());
  return config;
}

}  // namespace mlxocr
