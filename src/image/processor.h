// The TrOCR image processor: what TrOCRProcessor (ViTImageProcessor) does to an image before
// the encoder sees it — resize with a PIL filter, rescale by 1/255, normalise with mean/std —
// reproduced to the bit, plus batching into the [B, 3, H, W] tensor the model takes.
#pragma once

#include <array>
#include <filesystem>
#include <vector>

#include <mlx/array.h>
#include <nlohmann/json.hpp>
#include <string>

#include "image/image.h"
#include "image/resize.h"

namespace mlxocr {

namespace mx = mlx::core;

// The fields of preprocessor_config.json that matter for TrOCR. Defaults are those of the
// published TrOCR checkpoints (a ViTImageProcessor with size 384; note that a bare
// ViTImageProcessor() would default to 224x224).
struct ImageProcessorConfig {
  bool do_resize = true;
  int height = 384, width = 384;
  int resample =
      2;  // PIL.Image.Resampling: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming
  bool do_rescale = true;
  double rescale_factor = 1 / 255.;
  bool do_normalize = true;
  std::array<float, 3> image_mean{0.5f, 0.5f, 0.5f}, image_std{0.5f, 0.5f, 0.5f};
  // Whose order of the two resize passes to follow (see resize.h): the folder's
  // "mlxocr_pillow_resize_order" ("12" or "13"), overridden by the MLXOCR_PILLOW environment
  // variable, else the current Pillow's.
  PillowResizeOrder resize_order = kDefaultPillowResizeOrder;
};

// The key of preprocessor_config.json that records the Pillow resize order (mlxocr's own;
// transformers ignores it).
inline constexpr const char* kPillowResizeOrderKey = "mlxocr_pillow_resize_order";

// The image processor's settings as the folder stores them, found as transformers finds them:
// `preprocessor_config.json` (what transformers 4 writes; read first by 4 and 5 alike), else the
// "image_processor" object of `processor_config.json` (transformers 5's save_pretrained writes
// only that). `source` names where it came from (for errors). Throws ConfigError when the
// folder has neither: transformers cannot load such a processor either, and guessing a size
// would only fail later with a shape error.
struct ImageProcessorSource {
  nlohmann::json settings;
  std::string source;
};
ImageProcessorSource read_image_processor_json(const std::filesystem::path& model_dir);

// Reads the image processor's settings (see read_image_processor_json). Accepts the old
// (`"size": 384`), the pair (`"size": [h, w]`) and the new (`"size": {"height": h, "width": w}`)
// forms, `resample`, `do_resize`, `do_rescale`, `rescale_factor`, `do_normalize`,
// `image_mean`/`image_std` (three numbers or one for all channels). Throws ConfigError naming the
// file for a missing processor, malformed JSON, wrong types, out-of-range values and what TrOCR
// never uses (`shortest_edge`/`longest_edge` sizes, center cropping, non-ViT/DeiT processor
// types).
ImageProcessorConfig load_image_processor_config(const std::filesystem::path& model_dir);
// The same for settings already found (MLXOCR_PILLOW applied).
ImageProcessorConfig load_image_processor_config(const ImageProcessorSource& found);

// Parses the JSON text of a preprocessor_config.json; `name` names it in errors. The resize order
// is the text's own (or the default); MLXOCR_PILLOW is applied by load_image_processor_config.
ImageProcessorConfig parse_image_processor_config(const std::string& json_text,
                                                  const std::string& name);
ImageProcessorConfig parse_image_processor_settings(const nlohmann::json& settings,
                                                    const std::string& name);

class ImageProcessor {
 public:
  explicit ImageProcessor(ImageProcessorConfig config);

  const ImageProcessorConfig& config() const { return config_; }

  // CHW float32, 3 x H x W: exactly TrOCRProcessor's `pixel_values[0]` for this image (the
  // output size is the configured one, or the image's own when do_resize is false).
  std::vector<float> preprocess(const RgbImage& image) const;

  // [B, 3, H, W] float32 (NCHW, like pixel_values). Throws UsageError for an empty list, or for
  // images of different sizes when do_resize is false.
  mx::array batch(const std::vector<RgbImage>& images) const;

 private:
  // Writes the 3 planes of one image into `out` (3 * H * W floats).
  void preprocess_into(const RgbImage& image, float* out) const;

  ImageProcessorConfig config_;
  // value_of_[c][v]: the float a byte v of channel c becomes after rescale and normalise.
  std::array<std::array<float, 256>, 3> value_of_{};
};

}  // namespace mlxocr
