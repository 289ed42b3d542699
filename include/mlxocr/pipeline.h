// The OCR pipeline as one call: image files in, fields or lines with text and confidences out.
//
//   mlxocr::PipelineOptions options;
//   options.models = {"models/trocr-base-handwritten"};
//   options.mode = mlxocr::RegionMode::kForm;
//   options.template_file = "template.png";
//   options.align = true;
//   mlxocr::Pipeline pipeline(options);
//   for (const mlxocr::PageResult& page : pipeline.run({"scan1.png", "scan2.png"}))
//     for (const mlxocr::FieldResult& field : page.fields)
//       std::cout << field.index << " " << field.text << " " << field.confidence << "\n";
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mlxocr/box.h"

namespace mlxocr {

enum class RegionMode {
  kLine,  // the whole image is one text line
  kPage,  // text lines found on the page (binarise, deskew, projection)
  kForm,  // fields outlined in red on a template image
};

// Ranges of PipelineOptions (checked by the Pipeline's constructor; LimitError outside them).
inline constexpr int kMaxBatchSize = 256;  // regions decoded at once (memory: ~2 MB each at 384^2)
inline constexpr int kMaxInset = 1024;     // pixels inside an outline; more leaves no crop

struct PipelineOptions {
  std::vector<std::string> models;  // folders or hub ids ("" = the bundled default); the first
                                    // model's text is the result
  RegionMode mode = RegionMode::kLine;
  int batch_size = 8;      // regions decoded together, across files
  int max_new_tokens = 0;  // 0: the model's default
  int num_beams = 0;       // 0: the model's default (its generation settings); 1: greedy search
  // Fields whose line confidence is below this get an empty text (the confidence stays).
  double min_confidence = 0.0;
  // Form mode.
  std::string template_file;
  bool align = false;       // register each page to the template first (shift + rotation)
  std::string fields_file;  // optional names for the boxes (see Pipeline docs in the README)
  int red_min = 150, green_max = 110, blue_max = 110;  // what counts as a red outline pixel
  int min_box_width = 12, min_box_height = 8;
  double max_box_width_fraction = 0.98;
  int inset = 4;  // crops are taken this many pixels inside the outline
  // Each crop is cut down to the writing in it, with a margin, so that the model sees writing
  // that fills the line as in its training lines (image/ink_fit.h). false: whole boxes.
  bool fit_to_ink = true;
  // Light enhancement of every crop: pixel * contrast + brightness, clipped.
  double contrast = 1.2, brightness = -20;
  // Called with every crop as PNG bytes (image index in run()'s list, field index), e.g. to save
  // the numbered crops; crops are what the model reads.
  std::function<void(size_t image, int field, const std::string& png)> on_crop;
};

struct ModelText {
  std::string model, text;
  double confidence = 0;
};

struct FieldResult {
  int index = 0;     // 1-based, in reading order
  std::string name;  // from the fields file, else empty
  Box box;           // in the page's own pixels (after alignment: where the field lies on the scan)
  std::string text;  // the first model's text
  double confidence = 0;
  std::vector<ModelText> models;  // every model's reading, the first included
};

struct AlignmentReport {
  bool applied = false;
  double dx = 0, dy = 0, angle_degrees = 0, correlation = 0;
  std::string note;
};

struct PageResult {
  std::string source;
  std::string error;  // set when this image failed; the other images are still read
  int width = 0, height = 0;
  std::vector<FieldResult> fields;
  std::optional<AlignmentReport> alignment;  // form mode with align
  double skew_degrees = 0;                   // page mode
  std::vector<Box> template_boxes;           // form mode: the boxes in template coordinates
};

class Pipeline {
 public:
  // Loads the models and the template; throws mlxocr::Error on bad options or files.
  explicit Pipeline(PipelineOptions options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Reads every image; `progress(done, total)` is called as images complete.
  std::vector<PageResult> run(const std::vector<std::string>& images,
                              const std::function<void(size_t, size_t)>& progress = {});

  const PipelineOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlxocr
