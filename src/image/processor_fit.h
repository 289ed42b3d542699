// Does a folder's image processor make what its encoder reads? The processor's `size` and the
// encoder's `image_size` live in two files (preprocessor_config.json and config.json) that
// nothing forces to agree; transformers' ViT finds out at the first forward pass ("Input image
// size (..) doesn't match model (..)"), after every image of the batch has been resized. mlxocr
// finds out when the folder is loaded.
#pragma once

#include <filesystem>
#include <string>

#include "image/processor.h"
#include "model/config.h"

namespace mlxocr {

// Throws ConfigError naming both files and both sizes when `processor` resizes every image to a
// size other than the encoder's image_size (patch_size is named too: the patch grid is what the
// position embeddings were trained for). A processor with do_resize false passes: its images
// keep their own sizes, which only the batch can check.
void check_processor_fits_encoder(const ImageProcessorConfig& processor,
                                  const std::string& processor_file, const EncoderConfig& encoder,
                                  const std::string& config_file);

// load_image_processor_config(model_dir), then check_processor_fits_encoder against `encoder`
// (the encoder of model_dir/config.json).
ImageProcessorConfig load_image_processor_for(const std::filesystem::path& model_dir,
                                              const EncoderConfig& encoder);

}  // namespace mlxocr
