#include "pipeline/windowed_reading.h"

#include <algorithm>
#include <cstring>

namespace mlxocr {

RgbImage crop_columns(const RgbImage& image, int begin, int end) {
  begin = std::clamp(begin, 0, image.width);
  end = std::clamp(end, begin, image.width);
  RgbImage part;
  part.width = end - begin;
  part.height = image.height;
  part.pixels.resize(static_cast<size_t>(part.width) * part.height * 3);
  if (part.pixels.empty()) return part;
  for (int y = 0; y < image.height; ++y) {
    std::memcpy(&part.pixels[static_cast<size_t>(y) * part.width * 3],
                &image.pixels[(static_cast<size_t>(y) * image.width + begin) * 3],
                static_cast<size_t>(part.width) * 3);
  }
  return part;
}

namespace {

// What a crop without ink reads as, without asking the model: nothing is written there, and that
// is certain as far as the ink measure goes (a model asked anyway invents text on such crops:
// bench/QUALITY.md, "Empty crops").
RecognizedLine blank_reading() {
  RecognizedLine line;
  line.confidence = 1.0;
  line.finished = true;
  return line;
}

}  // namespace

std::vector<CropReading> read_crops(const Recognizer& recognizer, std::vector<RgbImage> crops,
                                    const std::vector<const LineInk*>& inks,
                                    const GenerationConfig& options, int batch_size,
                                    const WindowSwitch& windows,
                                    const std::vector<TokenConstraint*>& constraints,
                                    const CropsRead& on_read) {
  const ImageProcessorConfig& processor = recognizer.processor_config();
  // The budget is the checkpoint's own: --max-new-tokens stays a cap on every reading (a
  // window's included), rather than a reason to cut lines into more windows.
  const WindowRule rule =
      window_rule(processor.width, processor.height, recognizer.default_config().max_new_tokens,
                  windows.window_aspect);
  // first[i]: crop i's first image in `images`; plans[i].windows empty: read whole.
  std::vector<WindowPlan> plans(crops.size());
  std::vector<size_t> first(crops.size());
  std::vector<RgbImage> images;
  std::vector<TokenConstraint*> image_constraints;  // one per image when any crop has one
  std::vector<bool> blank(crops.size(), false);
  for (size_t i = 0; i < crops.size(); ++i) {
    first[i] = images.size();
    blank[i] = inks[i] && inks[i]->empty() && !crops[i].pixels.empty();
    if (blank[i]) continue;
    TokenConstraint* constraint = i < constraints.size() ? constraints[i] : nullptr;
    if (windows.enabled && inks[i] && !crops[i].pixels.empty() && constraint == nullptr) {
      plans[i] = plan_windows(*inks[i], rule);
    }
    if (plans[i].windows.empty()) {
      images.push_back(std::move(crops[i]));
      image_constraints.push_back(constraint);
      continue;
    }
    for (const InkSpan& w : plans[i].windows) {
      images.push_back(crop_columns(crops[i], w.begin, w.end));
      image_constraints.push_back(nullptr);
    }
    crops[i] = RgbImage{};  // its windows hold what is needed
  }
  // Crop i's reading once its images are decoded into `lines`.
  const auto reading_of = [&](size_t i, std::vector<RecognizedLine>& lines) -> CropReading {
    if (blank[i]) return {blank_reading(), 0, {}};
    if (plans[i].windows.empty()) return {std::move(lines[first[i]]), 0, {}};
    const size_t n = plans[i].windows.size();
    const std::vector<RecognizedLine> parts(lines.begin() + first[i], lines.begin() + first[i] + n);
    MergedLine merged = merge_windows(*inks[i], plans[i], parts);
    for (const RecognizedLine& part : parts) {
      if (!part.error.empty()) merged.line.error = part.error;
    }
    return {std::move(merged.line), static_cast<int>(n), std::move(merged.words)};
  };
  // Crops are finished as the batches holding their images are decoded, so that `on_read` can
  // hand them over while later batches are decoded.
  std::vector<CropReading> readings(crops.size());
  size_t ready = 0;  // crops [0, ready) have their readings
  const auto finish_crops = [&](size_t decoded, std::vector<RecognizedLine>& lines) {
    const size_t before = ready;
    for (; ready < crops.size(); ++ready) {
      const size_t n = blank[ready] ? 0 : std::max<size_t>(1, plans[ready].windows.size());
      if (first[ready] + n > decoded) break;
      readings[ready] = reading_of(ready, lines);
    }
    if (on_read && ready > before) on_read(ready, readings);
  };
  std::vector<RecognizedLine> lines =
      recognizer.recognize_images(images, options, batch_size, image_constraints, finish_crops);
  finish_crops(images.size(), lines);  // blank crops after the last image
  return readings;
}

}  // namespace mlxocr
