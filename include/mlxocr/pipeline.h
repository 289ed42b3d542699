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

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mlxocr/box.h"
#include "mlxocr/limits.h"

namespace mlxocr {

enum class RegionMode {
  kLine,  // the whole image is one text line
  kPage,  // text lines found on the page (see LayoutEngine)
  kForm,  // fields outlined in red on a template image
};

// Ranges of PipelineOptions (checked by the Pipeline's constructor; LimitError outside them);
// those the recognizer shares are in mlxocr/limits.h.
inline constexpr int kMaxInset = 1024;            // pixels inside an outline; more leaves no crop
inline constexpr double kMaxWindowAspect = 1000;  // PipelineOptions::window_aspect
// Drop-out by vote (no blank): only with this many pages of the form in one run; a pixel is the
// form's when it is inked on at least kVoteShare of them (see docs/forms.md for why).
inline constexpr int kMinVoteScans = 5;
inline constexpr double kVoteShare = 0.75;

// How page mode finds lines.
enum class LayoutEngine {
  // Tesseract's page segmentation (blocks, columns, paragraphs, lines with baselines, reading
  // order; pictures and separators left out), after orientation detection turned the page
  // upright.
  kTesseract,
  // Binarise, deskew, horizontal projection across the whole width: clean one-column pages
  // only (neighbouring columns and pictures merge into one "line").
  kSimple,
};

struct PipelineOptions {
  std::vector<std::string> models;  // folders or hub ids ("" = the bundled default); the first
                                    // model's text is the result
  // The dtype every model computes in: "float32", "float16" or "bfloat16" (as LoadOptions::dtype);
  // empty: each model's default (float32 for a Hugging Face folder, the stored dtype for a folder
  // `mlxocr convert` wrote).
  std::string dtype;
  RegionMode mode = RegionMode::kLine;
  LayoutEngine layout = LayoutEngine::kTesseract;  // page mode
  bool detect_orientation = true;                  // page mode, Tesseract layout: OSD first
  // Multi-page inputs: PDFs are rendered at `dpi`; `pages` ("N", "N-M", "N-", "-M"; empty: all)
  // selects pages of every PDF and TIFF.
  int dpi = 300;
  std::string pages;
  // Every image, every page of a PDF or TIFF and the template declaring more pixels than this in
  // its header is refused before it is decoded (that input gets `error`; 1..kMaxImagePixels).
  std::uint64_t max_pixels = kDefaultMaxImagePixels;
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
  // Form drop-out (docs/forms.md, "Drop-out and ink following"): what is printed on the form is
  // removed from each aligned scan before its fields are cut. The printed ink comes from
  // `blank_file` (an empty copy of the form, aligned to the template like the scans), else from
  // a per-pixel vote over the run's scans (at least kMinVoteScans pages), else labels printed
  // inside a box are found by their size and place and left out. false: none of this.
  std::string blank_file;
  bool dropout = true;
  // The vote pools the pages of one run(). false where a run mixes unrelated uploads (mlxocr
  // serve reads requests together, and one request's answer must not depend on another's).
  bool dropout_vote = true;
  // Writing that starts inside a box and crosses its outline (descenders, a name sitting on the
  // line) is followed across the outline and kept whole in the crop, up to half the box's height
  // beyond it, unless most of it lies in another field's box. false: crops end `inset` pixels
  // inside the outline.
  bool follow_ink = true;
  // Each crop is cut down to the writing in it, with a margin, so that the model sees writing
  // that fills the line as in its training lines (image/ink_fit.h). false: whole boxes.
  bool fit_to_ink = true;
  // Light enhancement of every crop: pixel * contrast + brightness, clipped.
  double contrast = 1.2, brightness = -20;
  // Long lines: a crop wider than the model's window aspect (its input's width / height, at
  // least 8: 12 for the bundled 32x384 model) times its height, or holding more
  // characters than the model may emit, is read in overlapping windows cut at gaps between
  // words and the readings merged (docs/long_lines.md). false: every crop is read whole.
  bool window_long_lines = true;
  double window_aspect = 0;  // > 0: this window aspect instead of the model's (0..1000)
  // Called with every crop as PNG bytes (image index in run()'s list, 1-based page of that
  // file, field index), e.g. to save the numbered crops; crops are what the model reads (a check
  // box's is the inside of its box, whose ink was read instead).
  std::function<void(size_t image, int page, int field, const std::string& png)> on_crop;
};

struct ModelText {
  std::string model, text;
  double confidence = 0;
  bool valid = true;  // the text matches the field's type (always true for untyped fields)
};

// One word of a line: its text as the model read it, where its ink lies on the page, and the
// confidence of the tokens that make it up (see WordConfidence).
struct WordResult {
  std::string text;
  Box box;  // page pixels
  double confidence = 0;
};

struct FieldResult {
  int index = 0;     // 1-based, in reading order
  std::string name;  // from the fields file, else empty
  Box box;           // in the page's own pixels (after alignment: where the field lies on the scan)
  std::string text;  // the first model's text
  double confidence = 0;
  std::vector<ModelText> models;  // every model's reading, the first included
  // The first model's words (the text's whitespace-separated pieces), in reading order, each
  // placed on the ink of the crop the model read (image/word_boxes.h: gaps in the ink, then
  // proportional cuts). Empty when the text is empty (--min-confidence included) or the crop
  // held no ink; writers then give the line alone.
  std::vector<WordResult> words;
  // Page mode with the Tesseract layout: 1-based block, paragraph in the block and line in the
  // paragraph, and the baseline's ends (page pixels); 0 / absent otherwise.
  int block = 0, paragraph = 0, line = 0;
  bool has_baseline = false;
  Point baseline_start, baseline_end;
  // Form mode, typed fields (the fields file's "type", docs/forms.md): the type ("" when none),
  // whether the text matches it (true for untyped fields), for check boxes the reading (text
  // "[x]" or "[ ]"), and why a typed field has no text when no token of the model fits its type.
  std::string type;
  bool valid = true;
  std::optional<bool> checked;
  std::string type_note;
};

struct AlignmentReport {
  bool applied = false;
  double dx = 0, dy = 0, angle_degrees = 0, correlation = 0;
  std::string note;
};

// A run of pixels on one row of a page: x .. x + length - 1 on row y.
struct PixelRun {
  int y = 0, x = 0, length = 0;
};

struct PageResult {
  std::string source;
  size_t input = 0;    // index of the file in run()'s list
  int page = 1;        // 1-based page of a PDF or multi-page TIFF (1 for other images)
  int page_count = 1;  // pages in the file (before --pages)
  std::string error;   // set when this image or page failed; the others are still read
  int width = 0, height = 0;
  std::vector<FieldResult> fields;
  std::optional<AlignmentReport> alignment;  // form mode with align
  double skew_degrees = 0;                   // page mode, simple layout
  int rotation_degrees = 0;         // page mode: turned clockwise by this much to read it upright
  std::string layout_note;          // page mode: why orientation detection left the page as it was
  std::vector<Box> template_boxes;  // form mode: the boxes in template coordinates
  // Form mode with drop-out: where the printed ink came from ("blank", "vote of N scans",
  // "labels"; empty: none) and the page pixels left out as printed (the guides picture shows them).
  std::string dropout;
  std::vector<PixelRun> dropped;
};

class Pipeline {
 public:
  // Loads the models and the template; throws mlxocr::Error on bad options or files.
  explicit Pipeline(PipelineOptions options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Reads every image (every selected page of PDFs and TIFFs: one result per page, in order);
  // `progress(done, total)` is called as files complete.
  std::vector<PageResult> run(const std::vector<std::string>& images,
                              const std::function<void(size_t, size_t)>& progress = {});

  // A file's pages (index in the list given to run_each, its results in page order).
  using FileDone = std::function<void(size_t input, std::vector<PageResult> pages)>;
  // Reads like run(), with the same results, but hands each file's pages to `on_file` as soon as
  // every region of that file is read, while the later files are still being read: a service
  // reading many requests' files in one run answers each when its own regions are done. Regions
  // are decoded in the order of `images`, batches spanning files, so files complete in that
  // order, each once the batch holding its last region is decoded. `on_file` runs on the
  // calling thread, between batches; an exception from it ends the run.
  void run_each(const std::vector<std::string>& images, const FileDone& on_file);

  const PipelineOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlxocr
