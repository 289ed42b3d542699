#include "image/processor.h"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "core/file_util.h"
#include "image/resize.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

using nlohmann::json;

// Output sizes above this are certainly a mistake (ViT position tables are far smaller).
constexpr int kMaxSide = 16384;
// A processor's settings take a few hundred bytes; anything near this is not one.
constexpr std::uintmax_t kMaxConfigBytes = 1 << 20;

[[noreturn]] void bad(const std::string& name, const std::string& problem) {
  throw ConfigError(name + ": " + problem);
}

json parse_json(const std::string& text, const std::string& name) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for 1e999
    bad(name, std::string("malformed JSON: ") + e.what());
  }
}

bool get_bool(const json& j, const char* key, bool fallback, const std::string& name) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_boolean()) bad(name, std::string("\"") + key + "\" must be true or false");
  return j[key].get<bool>();
}

int get_side(const json& v, const std::string& what, const std::string& name) {
  if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > kMaxSide) {
    bad(name, what + " must be an integer in 1.." + std::to_string(kMaxSide) + ", got " + v.dump());
  }
  return static_cast<int>(v.get<int64_t>());
}

// transformers' get_size_dict for ViTImageProcessor: an int is a square, a pair is (h, w),
// a dict needs "height" and "width".
void parse_size(const json& size, ImageProcessorConfig& config, const std::string& name) {
  if (size.is_number()) {
    config.height = config.width = get_side(size, "\"size\"", name);
  } else if (size.is_array()) {
    if (size.size() != 2)
      bad(name, "\"size\" as a list must be [height, width], got " + size.dump());
    config.height = get_side(size[0], "\"size\"[0] (height)", name);
    config.width = get_side(size[1], "\"size\"[1] (width)", name);
  } else if (size.is_object()) {
    if (size.contains("height") && size.contains("width")) {
      config.height = get_side(size["height"], "\"size\".height", name);
      config.width = get_side(size["width"], "\"size\".width", name);
    } else if (size.contains("shortest_edge") || size.contains("longest_edge")) {
      bad(name, "\"size\" " + size.dump() +
                    " asks for an aspect-preserving resize, which TrOCR's ViTImageProcessor "
                    "never does (it needs {\"height\", \"width\"}); unsupported");
    } else {
      bad(name, "\"size\" must have \"height\" and \"width\", got " + size.dump());
    }
  } else {
    bad(name, "\"size\" must be a number, [height, width] or {\"height\", \"width\"}, got " +
                  size.dump());
  }
}

std::array<float, 3> get_triple(const json& j, const char* key, std::array<float, 3> fallback,
                                const std::string& name) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  const json& v = j[key];
  std::array<float, 3> out{};
  // Stored as float32, as transformers' normalize does (np.array(mean, dtype=float32)).
  if (v.is_number()) {
    out.fill(static_cast<float>(v.get<double>()));
  } else if (v.is_array() && v.size() == 3 && v[0].is_number() && v[1].is_number() &&
             v[2].is_number()) {
    for (int c = 0; c < 3; ++c)
      out[c] = static_cast<float>(v[c].get<double>());
  } else {
    bad(name,
        std::string("\"") + key + "\" must be a number or a list of 3 numbers, got " + v.dump());
  }
  for (float f : out) {
    if (!std::isfinite(f)) bad(name, std::string("\"") + key + "\" must be finite");
  }
  return out;
}

}  // namespace

ImageProcessorConfig parse_image_processor_config(const std::string& json_text,
                                                  const std::string& name) {
  return parse_image_processor_settings(parse_json(json_text, name), name);
}

ImageProcessorConfig parse_image_processor_settings(const json& j, const std::string& name) {
  if (!j.is_object()) bad(name, "expected a JSON object");

  for (const char* key : {"image_processor_type", "feature_extractor_type"}) {
    if (!j.contains(key) || j[key].is_null()) continue;
    if (!j[key].is_string()) bad(name, std::string("\"") + key + "\" must be a string");
    const std::string type = j[key].get<std::string>();
    // TrOCR checkpoints are saved with ViTImageProcessor (formerly ViTFeatureExtractor). The
    // "Fast" variant resizes with torchvision rather than PIL; we always reproduce the PIL path.
    if (type != "ViTImageProcessor" && type != "ViTFeatureExtractor" &&
        type != "ViTImageProcessorFast") {
      bad(name,
          "image processor type \"" + type + "\" is not supported (TrOCR uses ViTImageProcessor)");
    }
  }
  if (get_bool(j, "do_center_crop", false, name)) {
    bad(name, "\"do_center_crop\": true is not supported (TrOCR's ViTImageProcessor never crops)");
  }

  ImageProcessorConfig config;
  config.do_resize = get_bool(j, "do_resize", config.do_resize, name);
  if (j.contains("size") && !j["size"].is_null()) parse_size(j["size"], config, name);
  if (j.contains("resample") && !j["resample"].is_null()) {
    const json& r = j["resample"];
    if (!r.is_number_integer() || r.get<int64_t>() < 0 || r.get<int64_t>() > 5) {
      bad(name, "\"resample\" must be a PIL filter number 0..5, got " + r.dump());
    }
    config.resample = static_cast<int>(r.get<int64_t>());
  }
  config.do_rescale = get_bool(j, "do_rescale", config.do_rescale, name);
  if (j.contains("rescale_factor") && !j["rescale_factor"].is_null()) {
    const json& f = j["rescale_factor"];
    if (!f.is_number() || !std::isfinite(f.get<double>())) {
      bad(name, "\"rescale_factor\" must be a number, got " + f.dump());
    }
    config.rescale_factor = f.get<double>();
  }
  config.do_normalize = get_bool(j, "do_normalize", config.do_normalize, name);
  config.image_mean = get_triple(j, "image_mean", config.image_mean, name);
  config.image_std = get_triple(j, "image_std", config.image_std, name);
  for (float s : config.image_std) {
    if (s == 0.0f) bad(name, "\"image_std\" must not contain 0");
  }
  if (j.contains(kPillowResizeOrderKey) && !j[kPillowResizeOrderKey].is_null()) {
    const json& order = j[kPillowResizeOrderKey];
    const auto parsed =
        order.is_string() ? parse_pillow_resize_order(order.get<std::string>()) : std::nullopt;
    if (!parsed) {
      bad(name, std::string("\"") + kPillowResizeOrderKey + "\" must be \"12\" or \"13\", got " +
                    order.dump());
    }
    config.resize_order = *parsed;
  }
  return config;
}

ImageProcessorSource read_image_processor_json(const std::filesystem::path& model_dir) {
  std::error_code ec;
  const std::filesystem::path flat = model_dir / "preprocessor_config.json";
  if (std::filesystem::exists(flat, ec)) {
    return {parse_json(read_file(flat, kMaxConfigBytes), flat.string()), flat.string()};
  }
  const std::filesystem::path nested = model_dir / "processor_config.json";
  if (std::filesystem::exists(nested, ec)) {
    const std::string name = nested.string();
    const json processor = parse_json(read_file(nested, kMaxConfigBytes), name);
    if (!processor.is_object()) bad(name, "expected a JSON object");
    auto it = processor.find("image_processor");
    if (it == processor.end() || it->is_null()) {
      bad(name,
          "has no \"image_processor\" (and there is no preprocessor_config.json): the "
          "image processor's settings are missing");
    }
    if (!it->is_object()) bad(name, "\"image_processor\" must be a JSON object");
    return {*it, name + " (\"image_processor\")"};
  }
  throw ConfigError(model_dir.string() +
                    ": no image processor settings (neither preprocessor_config.json nor "
                    "processor_config.json); save the processor with the model "
                    "(processor.save_pretrained(folder)) or copy its file from the base model");
}

ImageProcessorConfig load_image_processor_config(const std::filesystem::path& model_dir) {
  return load_image_processor_config(read_image_processor_json(model_dir));
}

ImageProcessorConfig load_image_processor_config(const ImageProcessorSource& found) {
  ImageProcessorConfig config = parse_image_processor_settings(found.settings, found.source);
  if (const char* env = std::getenv("MLXOCR_PILLOW"); env != nullptr && *env != '\0') {
    const auto order = parse_pillow_resize_order(env);
    if (!order) {
      throw UsageError(std::string("MLXOCR_PILLOW=") + env +
                       ": expected 12 (Pillow <= 12.3's resize order) or 13 (Pillow >= 13's)");
    }
    config.resize_order = *order;
  }
  return config;
}

ImageProcessor::ImageProcessor(ImageProcessorConfig config) : config_(config) {
  if (config_.do_resize && (config_.height <= 0 || config_.width <= 0 ||
                            config_.height > kMaxSide || config_.width > kMaxSide)) {
    throw UsageError("image processor: output size " + std::to_string(config_.width) + "x" +
                     std::to_string(config_.height) + " is out of range");
  }
  if (config_.resample < 0 || config_.resample > 5) {
    throw UsageError("image processor: unknown resampling filter " +
                     std::to_string(config_.resample));
  }
  // transformers: rescale multiplies in float64 then casts to float32; normalize subtracts and
  // divides in float32. A byte therefore maps to one float per channel; tabulate it.
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      float x = config_.do_rescale
                    ? static_cast<float>(static_cast<double>(v) * config_.rescale_factor)
                    : static_cast<float>(v);
      if (config_.do_normalize) x = (x - config_.image_mean[c]) / config_.image_std[c];
      value_of_[c][v] = x;
    }
  }
}

void ImageProcessor::preprocess_into(const RgbImage& image, float* out) const {
  const RgbImage* source = &image;
  RgbImage resized;
  if (config_.do_resize && (image.width != config_.width || image.height != config_.height)) {
    resized = resize_like_pil(image, config_.width, config_.height, config_.resample,
                              config_.resize_order);
    source = &resized;
  }
  const size_t plane = static_cast<size_t>(source->width) * source->height;
  if (source->pixels.size() != plane * 3) {
    throw UsageError("image processor: pixel buffer does not match " +
                     std::to_string(source->width) + "x" + std::to_string(source->height) + " RGB");
  }
  const uint8_t* px = source->pixels.data();
  for (size_t i = 0; i < plane; ++i) {
    out[i] = value_of_[0][px[i * 3 + 0]];
    out[plane + i] = value_of_[1][px[i * 3 + 1]];
    out[2 * plane + i] = value_of_[2][px[i * 3 + 2]];
  }
}

std::vector<float> ImageProcessor::preprocess(const RgbImage& image) const {
  const int h = config_.do_resize ? config_.height : image.height;
  const int w = config_.do_resize ? config_.width : image.width;
  if (h <= 0 || w <= 0) throw UsageError("image processor: empty image");
  std::vector<float> out(static_cast<size_t>(3) * h * w);
  preprocess_into(image, out.data());
  return out;
}

mx::array ImageProcessor::batch(const std::vector<RgbImage>& images) const {
  if (images.empty()) throw UsageError("image processor: no images to batch");
  const int h = config_.do_resize ? config_.height : images.front().height;
  const int w = config_.do_resize ? config_.width : images.front().width;
  if (h <= 0 || w <= 0) throw UsageError("image processor: empty image");
  for (const RgbImage& image : images) {
    if (!config_.do_resize && (image.height != h || image.width != w)) {
      throw UsageError(
          "image processor: with do_resize false all images of a batch must have the same size (" +
          std::to_string(w) + "x" + std::to_string(h) + " vs " + std::to_string(image.width) + "x" +
          std::to_string(image.height) + ")");
    }
  }
  const size_t per_image = static_cast<size_t>(3) * h * w;
  std::vector<float> data(per_image * images.size());
  for (size_t b = 0; b < images.size(); ++b)
    preprocess_into(images[b], &data[b * per_image]);
  return mx::array(data.begin(), {static_cast<int>(images.size()), 3, h, w}, mx::float32);
}

}  // namespace mlxocr
