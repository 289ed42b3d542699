// mlxocr preprocess — the pixel tensor our image processor feeds the encoder, as a .npy file,
// so a user can compare it with TrOCRProcessor's pixel_values in Python.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "image/image.h"
#include "image/processor.h"
#include "image/processor_fit.h"
#include "image/resize.h"
#include "io/model_resolver.h"
#include "io/npy.h"
#include "mlxocr/error.h"
#include "model/config.h"

namespace mlxocr::cli {

namespace {

struct PreprocessOptions {
  std::string model_dir;
  std::string image;
  std::string output;
};

std::string describe(const ImageProcessorConfig& c) {
  std::string text;
  text += c.do_resize ? "resize " + std::to_string(c.width) + "x" + std::to_string(c.height) + " " +
                            pil_resample_name(c.resample)
                      : "no resize";
  text += c.do_rescale ? ", rescale x" + std::to_string(c.rescale_factor) : ", no rescale";
  if (c.do_normalize) {
    char buf[160];
    std::snprintf(buf, sizeof buf, ", normalize mean (%g, %g, %g) std (%g, %g, %g)",
                  c.image_mean[0], c.image_mean[1], c.image_mean[2], c.image_std[0], c.image_std[1],
                  c.image_std[2]);
    text += buf;
  } else {
    text += ", no normalize";
  }
  return text;
}

// Where the folder holds a model too, whether its encoder could read this tensor. A tensor it
// could not read is still written, with a warning: it is what TrOCRProcessor makes, and
// TrOCRProcessor checks nothing against config.json either (recognize/ocr refuse such a folder).
void warn_if_the_encoder_cannot_read(const std::filesystem::path& model_dir,
                                     const ImageProcessorSource& found,
                                     const ImageProcessorConfig& config) {
  const std::filesystem::path config_file = model_dir / "config.json";
  if (!std::filesystem::exists(config_file)) return;
  try {
    check_processor_fits_encoder(config, found.source, load_model_config(model_dir).encoder,
                                 config_file.string());
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "mlxocr: warning: %s\n", e.what());
  }
}

}  // namespace

Action add_preprocess(CLI::App& app) {
  auto options = std::make_shared<PreprocessOptions>();
  CLI::App* cmd = app.add_subcommand(
      "preprocess",
      "Write the [1,3,H,W] float32 pixel tensor of one image as .npy (for debugging accuracy "
      "against TrOCRProcessor)");
  cmd->add_option("--model", options->model_dir,
                  "Model folder or hub id org/name[@revision]; its preprocessor_config.json "
                  "gives size, resample filter, rescale and mean/std (defaults of the TrOCR "
                  "checkpoints when absent)")
      ->required();
  cmd->add_option("image", options->image, "Image file (PNG, JPEG, TIFF, BMP or WebP)")->required();
  cmd->add_option("-o,--output", options->output, "Where to write the .npy file")->required();
  add_max_pixels_option(cmd);
  cmd->footer(
      "The image is converted to RGB as PIL's Image.open(IMAGE).convert(\"RGB\") does (alpha\n"
      "dropped), resized with our bit-exact reimplementation of PIL's filter, rescaled and "
      "normalised as\n"
      "transformers' ViTImageProcessor does. To compare in Python:\n"
      "  from PIL import Image; import numpy as np\n"
      "  from transformers import TrOCRProcessor\n"
      "  p = TrOCRProcessor.from_pretrained(MODEL)\n"
      "  ref = p(images=Image.open(IMAGE).convert(\"RGB\"), return_tensors=\"np\").pixel_values\n"
      "  print(np.abs(ref - np.load(OUTPUT)).max())   # 0.0 expected");
  return [options]() {
    const std::filesystem::path model_dir = resolve_model(options->model_dir);
    const ImageProcessorSource found = read_image_processor_json(model_dir);
    const ImageProcessorConfig config = load_image_processor_config(found);
    warn_if_the_encoder_cannot_read(model_dir, found, config);
    const ImageProcessor processor(config);
    const RgbImage image = load_image(options->image);
    const std::vector<float> pixels = processor.preprocess(image);
    const int64_t h = config.do_resize ? config.height : image.height;
    const int64_t w = config.do_resize ? config.width : image.width;
    write_npy(options->output, pixels.data(), {1, 3, h, w});
    std::printf("%s: [1, 3, %lld, %lld] float32 from %s (%dx%d; %s)\n", options->output.c_str(),
                static_cast<long long>(h), static_cast<long long>(w), options->image.c_str(),
                image.width, image.height, describe(config).c_str());
    return 0;
  };
}

}  // namespace mlxocr::cli
