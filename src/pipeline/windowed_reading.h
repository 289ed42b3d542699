// Reading crops with a model, long ones in windows (pipeline/line_windows.h): every window of
// every crop goes into the same recognize_images call as the crops read whole, so that batches
// span crops, pages and files as before; the windows' readings are then merged per crop.
#pragma once

#include <functional>
#include <vector>

#include "image/image.h"
#include "image/word_boxes.h"
#include "pipeline/line_windows.h"
#include "pipeline/recognizer.h"

namespace mlxocr {

struct WindowSwitch {
  bool enabled = true;
  double window_aspect = 0;  // > 0: overrides the model's window aspect (window_rule)
};

struct CropReading {
  RecognizedLine line;            // the crop's text and confidences (merged when read in windows)
  int windows = 0;                // windows read; 0: the crop was read whole
  std::vector<WindowWord> words;  // read in windows: the merged words, boxes in crop pixels
};

// Called as decoding goes on: crops [0, ready) have their final readings in `readings` (the
// callee may move them out; read_crops does not touch them again).
using CropsRead = std::function<void(size_t ready, std::vector<CropReading>& readings)>;

// One reading per crop; `inks[i]` is crops[i]'s ink (measure_line_ink). A crop whose ink is
// empty (no ink darker than the paper by kWordInkContrast once rules, box edges and specks are
// cleared) is not given to the model: its reading is the empty text, confidence 1, finished. A
// crop with no pixels is read as recognize_images reads it. `constraints[i]` (optional, null: none)
// is crop i's typed-field constraint; a constrained crop is always read whole, since its type
// describes the whole text and not each window's part of it. Crops are decoded in their order,
// `batch_size` images (crops or windows) at a time; `on_read` (optional) hears after each batch.
std::vector<CropReading> read_crops(const Recognizer& recognizer, std::vector<RgbImage> crops,
                                    const std::vector<const LineInk*>& inks,
                                    const GenerationConfig& options, int batch_size,
                                    const WindowSwitch& windows,
                                    const std::vector<TokenConstraint*>& constraints = {},
                                    const CropsRead& on_read = {});

// Columns [begin, end) of `image`.
RgbImage crop_columns(const RgbImage& image, int begin, int end);

}  // namespace mlxocr
