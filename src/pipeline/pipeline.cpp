#include "mlxocr/pipeline.h"

#include <algorithm>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <utility>

#include "core/file_util.h"
#include "image/align.h"
#include "image/checkbox.h"
#include "image/cv_convert.h"
#include "image/document.h"
#include "image/form_dropout.h"
#include "image/ink_fit.h"
#include "image/lines.h"
#include "image/template_boxes.h"
#include "image/tesseract_layout.h"
#include "image/word_boxes.h"
#include "io/model_resolver.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"
#include "model/model.h"
#include "pipeline/confidence.h"
#include "pipeline/field_names.h"
#include "pipeline/form_frame.h"
#include "pipeline/pipeline_checks.h"
#include "pipeline/placed_words.h"
#include "pipeline/recognizer.h"
#include "pipeline/windowed_reading.h"

namespace mlxocr {

static_assert(kDefaultMaxImagePixels == kDefaultMaxPixels,
              "the public default pixel budget is image/image.h's");

namespace {

struct Model {
  std::string name;
  std::unique_ptr<Recognizer> recognizer;
  GenerationConfig options;
  // Typed fields: one constraint per distinct pattern of the fields file, over this model's
  // vocabulary (the token texts are shared between them).
  std::map<std::string, std::unique_ptr<TokenConstraint>> constraints;
};

// PipelineOptions::dtype: std::nullopt for each model's own.
std::optional<mx::Dtype> compute_dtype(const std::string& name) {
  if (name.empty()) return std::nullopt;
  try {
    return parse_float_dtype(name);
  } catch (const UsageError& e) {
    throw UsageError(std::string("PipelineOptions::dtype: ") + e.what());
  }
}

// Tokenizer::token_bytes of every id of the model's output layer, "" past the tokenizer's end.
std::shared_ptr<const std::vector<std::string>> token_texts(const Recognizer& recognizer) {
  const int vocab = recognizer.model().config.decoder.vocab_size;
  const Tokenizer& tokenizer = recognizer.tokenizer();
  auto texts = std::make_shared<std::vector<std::string>>(vocab);
  for (int id = 0; id < vocab && id < tokenizer.vocab_size(); ++id)
    (*texts)[id] = tokenizer.token_bytes(id);
  return texts;
}

// Crop pixels -> page pixels.
using ToPage = std::function<Box(const Box&)>;

// What placing a field's words needs once its text is known: the ink of the crop the model read
// (a few integers per column, not its pixels) and how to map the crop's boxes onto the page.
struct WordPlacement {
  LineInk ink;
  ToPage to_page;
};

// A page analysed and cut into crops, waiting for recognition.
struct PageWork {
  PageResult result;
  std::vector<RgbImage> crops;            // one per field; empty image: nothing to read
  std::vector<WordPlacement> placements;  // one per crop
  bool last_of_file = false;              // the last selected page of its file
  // Check boxes, by field: the inside of the box their ink was read from. Not read by a model;
  // handed to on_crop (the crops folder, review.html) so that a person can check the reading.
  std::map<size_t, RgbImage> checkbox_crops;
};

// A crop as the model reads it, and where its pixel (0, 0) lies in the frame it was cut from.
struct Crop {
  RgbImage image;
  LineInk ink;
  cv::Point origin;
};

Box shifted(const Box& box, cv::Point by) {
  return {box.x + by.x, box.y + by.y, box.w, box.h};
}

// The first model's words of `line` placed on the crop's ink (place_reading_words), in page
// pixels.
std::vector<WordResult> place_line_words(const RecognizedLine& line, const WordPlacement& at) {
  std::vector<WordResult> words;
  for (const PlacedWord& w : place_reading_words(line, at.ink)) {
    words.push_back(
        {w.text, at.to_page({w.box.x, w.box.y, w.box.width, w.box.height}), w.confidence});
  }
  return words;
}

// A line read in windows: its merged words (crop pixels) in page pixels; none when its text
// was emptied (--min-confidence).
std::vector<WordResult> page_words(const RecognizedLine& line, const std::vector<WindowWord>& words,
                                   const WordPlacement& at) {
  std::vector<WordResult> placed;
  if (line.text.empty()) return placed;
  for (const WindowWord& w : words) {
    placed.push_back(
        {w.text, at.to_page({w.box.x, w.box.y, w.box.width, w.box.height}), w.confidence});
  }
  return placed;
}

Box inset(const Box& box, int pixels) {
  return {box.x + pixels, box.y + pixels, std::max(0, box.w - 2 * pixels),
          std::max(0, box.h - 2 * pixels)};
}

cv::Rect rect_of(const Box& b) {
  return {b.x, b.y, b.w, b.h};
}

Box scaled(const Box& box, double sx, double sy) {
  const int x = static_cast<int>(std::lround(box.x * sx));
  const int y = static_cast<int>(std::lround(box.y * sy));
  return {x, y, static_cast<int>(std::lround(box.right() * sx)) - x,
          static_cast<int>(std::lround(box.bottom() * sy)) - y};
}

}  // namespace

struct Pipeline::Impl {
  PipelineOptions options;
  std::vector<Model> models;
  cv::Mat template_bgra, template_mask;
  std::vector<Box> template_boxes;
  std::vector<std::string> field_names;
  std::vector<FieldSpec> field_specs;  // form mode: one per template box
  std::vector<bool> checkbox_fields;   // form mode: read from their ink (image/checkbox.h)
  DocumentOptions document_options;
  std::unique_ptr<TesseractLayout> tesseract;  // page mode with the Tesseract layout
  // Drop-out: the printed form's ink at the template's size (empty: not known), where it came
  // from, and the alignments the vote found (file, page), so that pages are aligned once.
  cv::Mat form_ink;
  std::string form_source;
  std::map<std::pair<std::string, int>, Alignment> alignments;

  Crop cut(const cv::Mat& bgr, const Box& box, bool fit = false) const {
    const Box b = clip(box, bgr.cols, bgr.rows);
    if (b.w < 2 || b.h < 2) return {};
    return finish(bgr(cv::Rect(b.x, b.y, b.w, b.h)), {b.x, b.y}, fit);
  }

  // `part` of a frame, whose pixel (0, 0) lies at `origin`, enhanced and maybe cut down.
  Crop finish(const cv::Mat& part, cv::Point origin, bool fit) const {
    cv::Mat crop;
    part.convertTo(crop, -1, options.contrast, options.brightness);
    cv::Rect kept(0, 0, crop.cols, crop.rows);
    if (fit) crop = fit_to_ink(crop, InkFitOptions{}, &kept);
    return {from_mat(crop), measure_line_ink(crop), origin + kept.tl()};
  }

  // `frame_to_page` maps boxes of the frame `crop` was cut from onto the page.
  static void add_crop(PageWork& work, Crop crop, const ToPage& frame_to_page) {
    const cv::Point origin = crop.origin;
    work.crops.push_back(std::move(crop.image));
    work.placements.push_back({std::move(crop.ink), [origin, frame_to_page](const Box& box) {
                                 return frame_to_page(shifted(box, origin));
                               }});
  }

  // The template's outlines at a page's size.
  cv::Mat outlines_at(const cv::Size& size) const {
    if (size == template_mask.size()) return template_mask;
    cv::Mat mask;
    cv::resize(template_mask, mask, size, 0, 0, cv::INTER_NEAREST);
    return mask;
  }

  // The page's alignment to the template (identity without --align), as the vote found it when
  // it did.
  Alignment align_page(const cv::Mat& gray, const cv::Mat& mask, const std::string& source,
                       int page) const {
    if (!options.align) return {};
    // Phase correlation needs a few pixels to correlate (OpenCV asserts on a 1-pixel window);
    // a page this small is not a scan of the form.
    constexpr int kMinAlignSide = 32;
    if (gray.cols < kMinAlignSide || gray.rows < kMinAlignSide) {
      throw ImageError(
          source + ": " + std::to_string(gray.cols) + "x" + std::to_string(gray.rows) +
          " pixels is too small to align to the template (PipelineOptions::align needs at least " +
          std::to_string(kMinAlignSide) + "x" + std::to_string(kMinAlignSide) +
          "; the template is " + std::to_string(template_bgra.cols) + "x" +
          std::to_string(template_bgra.rows) + ")");
    }
    const auto known = alignments.find({source, page});
    if (known != alignments.end()) return known->second;
    return align_to_template(gray, mask);
  }

  void analyse_form(const cv::Mat& bgr, const cv::Mat& gray, PageWork& work) const {
    const double sx = 1.0 * bgr.cols / template_bgra.cols, sy = 1.0 * bgr.rows / template_bgra.rows;
    const cv::Mat mask = outlines_at(bgr.size());
    const Alignment alignment = align_page(gray, mask, work.result.source, work.result.page);
    if (options.align) {
      work.result.alignment =
          AlignmentReport{alignment.applied,       alignment.dx,          alignment.dy,
                          alignment.angle_degrees, alignment.correlation, alignment.note};
    }
    const cv::Mat frame = page_in_template_frame(bgr, alignment);
    work.result.template_boxes = template_boxes;
    std::vector<cv::Rect> boxes;
    for (const Box& b : template_boxes)
      boxes.push_back(rect_of(scaled(b, sx, sy)));
    const bool clean = options.dropout || options.follow_ink;
    FormFrame form;
    if (clean) {
      cv::Mat printed;
      if (options.dropout && !form_ink.empty()) {
        printed = resized_mask(form_ink, frame.size());
      }
      form = clean_form_frame(frame, mask, printed, boxes, options.follow_ink);
    }
    const bool labels = options.dropout && form_ink.empty();
    for (size_t i = 0; i < template_boxes.size(); ++i) {
      const Box box = scaled(template_boxes[i], sx, sy);
      FieldResult field;
      field.index = static_cast<int>(i) + 1;
      field.name = field_names[i];
      field.box = map_box(box, alignment);
      work.result.fields.push_back(field);
      const auto to_page = [alignment](const Box& b) { return map_box(b, alignment); };
      if (!clean) {
        add_crop(work, cut(frame, inset(box, options.inset), options.fit_to_ink), to_page);
        continue;
      }
      cv::Point origin;
      const cv::Mat part =
          form_field_crop(form, i, boxes[i], rect_of(inset(box, options.inset)), labels, &origin);
      add_crop(work, part.empty() ? Crop{} : finish(part, origin, options.fit_to_ink), to_page);
    }
    if (options.dropout) report_dropped(form.dropped, alignment, work.result, labels);
  }

  // What drop-out left out, in page pixels (the guides picture shows it).
  void report_dropped(const cv::Mat& dropped, const Alignment& alignment, PageResult& result,
                      bool labels) const {
    result.dropout = labels ? "labels" : form_source;
    if (dropped.empty()) return;
    cv::Mat on_page = dropped;
    if (alignment.applied) {
      // The warp maps template -> page: forwards, as it is, from the frame to the page.
      cv::warpAffine(dropped, on_page, alignment.warp, dropped.size(), cv::INTER_NEAREST);
    }
    result.dropped = pixel_runs(on_page);
  }

  // A page's ink in the template's frame, at the template's size (what drop-out compares), and
  // its alignment.
  cv::Mat template_frame_ink(const RgbImage& image, const std::string& source, int page,
                             Alignment& alignment) const {
    const cv::Mat bgr = to_bgr(image);
    cv::Mat gray;
    cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
    alignment = align_page(gray, outlines_at(gray.size()), source, page);
    return resized_mask(frame_ink(page_in_template_frame(gray, alignment)), template_mask.size());
  }

  void load_blank(const std::string& file) {
    const std::unique_ptr<Document> doc = open_document(file, document_options);
    Alignment alignment;
    form_ink = template_frame_ink(doc->page(1), file, 1, alignment);
    if (options.align && !alignment.applied) {
      throw ImageError(file + ": the blank form does not match the template (" + alignment.note +
                       "); give a blank copy of the same form");
    }
    form_source = "blank";
  }

  // Drop-out without a blank: the per-pixel vote over every page of `images`. Pages that cannot
  // be read are left out here; the analysis reports them.
  void vote(const std::vector<std::string>& images) {
    form_ink.release();
    form_source.clear();
    alignments.clear();
    FormVote votes(template_mask.size());
    for (const std::string& file : images) {
      try {
        const std::unique_ptr<Document> doc = open_document(file, document_options);
        const auto [first, last] = selected_pages(*doc, document_options, file);
        for (int page = first; page <= last; ++page) {
          Alignment alignment;
          votes.add(template_frame_ink(doc->page(page), file, page, alignment));
          alignments[{file, page}] = alignment;
        }
      } catch (const Error&) {
      } catch (const cv::Exception&) {
      }
    }
    if (votes.scans() < kMinVoteScans) return;
    form_ink = votes.form(kVoteShare, template_mask.size());
    form_source = "vote of " + std::to_string(votes.scans()) + " scans";
  }

  void analyse_page_simple(const cv::Mat& gray, PageWork& work) const {
    const PageLines page = find_text_lines(gray, LineOptions{});
    work.result.skew_degrees = page.skew_degrees;
    PageLines skew;  // what unskew_box needs, without the deskewed page's pixels
    skew.skew_degrees = page.skew_degrees;
    cv::Mat bgr;
    cv::cvtColor(page.deskewed, bgr, cv::COLOR_GRAY2BGR);
    for (size_t i = 0; i < page.lines.size(); ++i) {
      FieldResult field;
      field.index = static_cast<int>(i) + 1;
      field.box = unskew_box(page.lines[i], page, gray.cols, gray.rows);
      work.result.fields.push_back(field);
      add_crop(work, cut(bgr, page.lines[i]),
               [skew, width = gray.cols, height = gray.rows](const Box& b) {
                 return unskew_box(b, skew, width, height);
               });
    }
  }

  // Tesseract's boxes hug the ink; the model reads lines with a margin as the simple splitter
  // cuts them (LineOptions::padding).
  static Box padded(const Box& box) {
    const int pad = LineOptions{}.padding;
    return {box.x - pad, box.y - pad, box.w + 2 * pad, box.h + 2 * pad};
  }

  void analyse_page_tesseract(const cv::Mat& gray, int dpi, PageWork& work) const {
    const std::string name = work.result.source;
    const PageLayout layout = tesseract->analyse(gray, name, dpi);
    work.result.rotation_degrees = layout.rotation_degrees;
    work.result.layout_note = layout.note;
    cv::Mat bgr;
    cv::cvtColor(layout.upright, bgr, cv::COLOR_GRAY2BGR);
    const int turn = layout.rotation_degrees;
    for (size_t i = 0; i < layout.lines.size(); ++i) {
      const LayoutLine& line = layout.lines[i];
      FieldResult field;
      field.index = static_cast<int>(i) + 1;
      field.box = unrotate_box(line.box, turn, gray.cols, gray.rows);
      field.block = line.block, field.paragraph = line.paragraph, field.line = line.line;
      field.has_baseline = true;
      const cv::Point a = unrotate_point(line.baseline_start, turn, gray.cols, gray.rows);
      const cv::Point b = unrotate_point(line.baseline_end, turn, gray.cols, gray.rows);
      field.baseline_start = {a.x, a.y}, field.baseline_end = {b.x, b.y};
      work.result.fields.push_back(field);
      add_crop(work, cut(bgr, padded(line.box)),
               [turn, width = gray.cols, height = gray.rows](const Box& b) {
                 return unrotate_box(b, turn, width, height);
               });
    }
  }

  PageWork analyse(const Document& doc, const std::string& file, int page_number) const {
    PageWork work;
    work.result.source = file;
    work.result.page = page_number;
    work.result.page_count = doc.page_count();
    try {
      DocumentPage decoded = doc.read_page(page_number);
      RgbImage& image = decoded.image;
      work.result.width = image.width;
      work.result.height = image.height;
      if (options.mode == RegionMode::kLine) {
        FieldResult field;
        field.index = 1;
        field.box = {0, 0, image.width, image.height};
        work.result.fields.push_back(field);
        work.placements.push_back(
            {measure_line_ink(to_bgr(image)), [](const Box& b) { return b; }});
        work.crops.push_back(std::move(image));  // exactly what `recognize` reads
        return work;
      }
      const cv::Mat bgr = to_bgr(image);
      cv::Mat gray;
      cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
      if (options.mode == RegionMode::kForm) {
        analyse_form(bgr, gray, work);
        apply_field_types(gray, work);
      } else if (tesseract) {
        analyse_page_tesseract(gray, decoded.dpi, work);
      } else {
        analyse_page_simple(gray, work);
      }
    } catch (const Error& e) {
      work.result.error = e.what();
      work.result.fields.clear();
      work.crops.clear();
      work.placements.clear();
    } catch (const cv::Exception& e) {
      work.result.error = file + ": image analysis failed: " + e.what();
      work.result.fields.clear();
      work.crops.clear();
      work.placements.clear();
    }
    return work;
  }

  // Every form field gets its type; one without a crop (a box too small to cut) has the empty
  // text, valid only if its type accepts that. Check-box fields are read from the ink inside
  // their box on the page and their crops dropped, so that the text model never sees them; what
  // the reading looked at is kept in checkbox_crops.
  void apply_field_types(const cv::Mat& gray, PageWork& work) const {
    for (size_t i = 0; i < work.result.fields.size() && i < field_specs.size(); ++i) {
      FieldResult& field = work.result.fields[i];
      const FieldType& type = field_specs[i].type;
      field.type = type.name;
      const bool no_crop = i >= work.crops.size() || work.crops[i].pixels.empty();
      if (no_crop && !type.pattern.empty()) {
        field.valid = constraint_for(models.front(), &field_specs[i])->automaton().matches("");
      }
      if (!checkbox_fields[i]) continue;
      const Box b = clip(inset(field.box, options.inset), gray.cols, gray.rows);
      const CheckboxReading reading = b.w > 0 && b.h > 0
                                          ? read_checkbox(gray(cv::Rect(b.x, b.y, b.w, b.h)))
                                          : CheckboxReading{false, 0, 0};
      field.type = "checkbox";
      field.checked = reading.checked;
      field.text = reading.checked ? "[x]" : "[ ]";
      field.confidence = reading.confidence;
      field.models = {{"ink", field.text, field.confidence, true}};
      if (i < work.crops.size()) work.crops[i] = RgbImage{};
      if (b.w > 0 && b.h > 0) work.checkbox_crops[i] = from_mat(gray(cv::Rect(b.x, b.y, b.w, b.h)));
    }
  }

  // The constraint of `spec` for `model`, null for an untyped field.
  static TokenConstraint* constraint_for(const Model& model, const FieldSpec* spec) {
    if (spec == nullptr || spec->type.pattern.empty()) return nullptr;
    return model.constraints.at(spec->type.pattern).get();
  }

  // Reads every crop of `pages` with every model, in batches that span pages, and hands each
  // page to `on_page`, in order, as soon as the last model has read its last crop.
  void recognize(std::vector<PageWork>& pages,
                 const std::function<void(PageWork&)>& on_page) const {
    std::vector<RgbImage> crops;
    std::vector<FieldResult*> targets;
    std::vector<const FieldSpec*> specs;  // form mode: each target's entry of the fields file
    std::vector<WordPlacement> placements;
    std::vector<size_t> page_end;  // per page: one past its last crop in `crops`
    for (PageWork& page : pages) {
      for (size_t i = 0; i < page.crops.size(); ++i) {
        if (page.crops[i].pixels.empty()) continue;
        crops.push_back(std::move(page.crops[i]));
        targets.push_back(&page.result.fields[i]);
        specs.push_back(i < field_specs.size() ? &field_specs[i] : nullptr);
        placements.push_back(std::move(page.placements[i]));
      }
      page.crops.clear();
      page.placements.clear();
      page_end.push_back(crops.size());
    }
    size_t next_page = 0;
    const auto finish_pages = [&](size_t crops_read) {
      for (; next_page < pages.size() && page_end[next_page] <= crops_read; ++next_page) {
        for (size_t i = next_page == 0 ? 0 : page_end[next_page - 1]; i < page_end[next_page];
             ++i) {
          FieldResult* field = targets[i];
          field->text = field->models.front().text;
          field->confidence = field->models.front().confidence;
          field->valid = field->models.front().valid;
        }
        on_page(pages[next_page]);
      }
    };
    finish_pages(0);  // pages without crops before the first one that has some
    std::vector<const LineInk*> inks;
    for (const WordPlacement& placement : placements)
      inks.push_back(&placement.ink);
    const WindowSwitch windows{options.window_long_lines, options.window_aspect};
    for (const Model& model : models) {
      if (crops.empty()) break;
      std::vector<TokenConstraint*> constraints;
      for (const FieldSpec* spec : specs)
        constraints.push_back(constraint_for(model, spec));
      const bool first = &model == &models.front(), last = &model == &models.back();
      size_t taken = 0;
      const auto take = [&](size_t ready, std::vector<CropReading>& read) {
        std::vector<RecognizedLine> lines;
        for (size_t i = taken; i < ready; ++i)
          lines.push_back(std::move(read[i].line));
        apply_min_confidence(lines, options.min_confidence);
        for (size_t i = taken; i < ready; ++i)
          take_reading(model, first, read[i], std::move(lines[i - taken]), placements[i],
                       constraints[i], specs[i], *targets[i]);
        taken = ready;
        if (last) finish_pages(ready);
      };
      read_crops(*model.recognizer, last ? std::move(crops) : crops, inks, model.options,
                 options.batch_size, windows, constraints, take);
    }
    finish_pages(targets.size());
  }

  // One model's reading of one crop into its field.
  static void take_reading(const Model& model, bool first, const CropReading& read,
                           RecognizedLine line, const WordPlacement& placement,
                           TokenConstraint* constraint, const FieldSpec* spec,
                           FieldResult& target) {
    const bool valid = constraint == nullptr || constraint->automaton().matches(line.text);
    target.models.push_back({model.name, line.text, line.confidence, valid});
    // Only an empty, invalid reading can come from a type no token sequence completes.
    if (!valid && line.text.empty() && first && constraint->impossible()) {
      target.type_note =
          "no sequence of " + model.name + "'s tokens makes a valid " + spec->type.name + " field";
    }
    if (first) {
      target.words = read.windows > 0 ? page_words(line, read.words, placement)
                                      : place_line_words(line, placement);
    }
  }
};

Pipeline::Pipeline(PipelineOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.models.empty())
    throw UsageError("PipelineOptions::models is empty: give at least one model");
  validate_pipeline_options(options);
  if (options.mode == RegionMode::kForm && options.template_file.empty()) {
    throw UsageError("form mode needs PipelineOptions::template_file");
  }
  impl_->options = options;
  impl_->document_options.dpi = options.dpi;
  impl_->document_options.limits.max_pixels = options.max_pixels;
  if (options.dpi < 10 || options.dpi > 2400)
    throw UsageError("PipelineOptions::dpi must be within 10..2400");
  if (!options.pages.empty()) parse_page_range(options.pages, impl_->document_options);
  const std::optional<mx::Dtype> dtype = compute_dtype(options.dtype);  // before any model is read
  if (options.mode == RegionMode::kPage && options.layout == LayoutEngine::kTesseract) {
    TesseractLayoutOptions t;
    t.detect_orientation = options.detect_orientation;
    impl_->tesseract = std::make_unique<TesseractLayout>(t);
  }
  for (const std::string& dir : options.models) {
    const std::filesystem::path folder = resolve_model(dir);
    Model model{
        dir.empty() ? folder.string() : dir, std::make_unique<Recognizer>(folder, dtype), {}, {}};
    if (!model.recognizer->resizes_images()) {
      // Regions come in every size; without resizing hardly any would fit the encoder.
      throw ConfigError(folder.string() +
                        ": the model's image processor does not resize (do_resize false), but "
                        "ocr reads regions of every size; set do_resize to true, or read images "
                        "of the encoder's size with recognize");
    }
    model.options = model.recognizer->default_config();  // the checkpoint's own settings
    if (options.max_new_tokens > 0) model.options.max_new_tokens = options.max_new_tokens;
    if (options.num_beams > 0) model.options.num_beams = options.num_beams;
    validate_generation_config(model.options, model.recognizer->model().config);
    impl_->models.push_back(std::move(model));
  }
  if (options.mode == RegionMode::kForm) {
    impl_->template_bgra = load_template(options.template_file, impl_->document_options.limits);
    TemplateOptions t;
    t.min_red = options.red_min, t.max_green = options.green_max, t.max_blue = options.blue_max;
    t.min_width = options.min_box_width, t.min_height = options.min_box_height;
    t.max_width_fraction = options.max_box_width_fraction;
    impl_->template_mask = red_mask(impl_->template_bgra, t);
    impl_->template_boxes = find_template_boxes(impl_->template_bgra, t);
    if (impl_->template_boxes.empty()) {
      throw ImageError(no_template_boxes_message(options.template_file, impl_->template_bgra, t));
    }
    impl_->field_specs = load_field_specs(options.fields_file, impl_->template_boxes);
    for (size_t i = 0; i < impl_->field_specs.size(); ++i) {
      const FieldSpec& spec = impl_->field_specs[i];
      const Box& box = impl_->template_boxes[i];
      impl_->field_names.push_back(spec.name);
      impl_->checkbox_fields.push_back(
          spec.type.name == "checkbox" ||
          (spec.type.name.empty() && looks_like_checkbox(box.w, box.h, impl_->template_bgra.cols)));
    }
    for (Model& model : impl_->models) {
      std::shared_ptr<const std::vector<std::string>> texts;
      for (const FieldSpec& spec : impl_->field_specs) {
        const std::string& pattern = spec.type.pattern;
        if (pattern.empty() || model.constraints.count(pattern)) continue;
        if (!texts) texts = token_texts(*model.recognizer);
        const ModelConfig& config = model.recognizer->model().config;
        const std::vector<int> eos = eos_tokens(model.options, config);
        // The BOS the model writes before its text may open a typed field too (TokenConstraint).
        std::vector<int> openers;
        if (std::count(eos.begin(), eos.end(), config.decoder.bos_token_id) == 0)
          openers.push_back(config.decoder.bos_token_id);
        model.constraints.emplace(
            pattern, std::make_unique<TokenConstraint>(TextAutomaton(pattern, options.fields_file),
                                                       texts, eos, openers));
      }
    }
  }
  if (!options.blank_file.empty()) {
    if (options.mode != RegionMode::kForm)
      throw UsageError(
          "PipelineOptions::blank_file needs form mode (PipelineOptions::template_file)");
    if (!options.dropout)
      throw UsageError(
          "PipelineOptions::blank_file and PipelineOptions::dropout = false exclude each other");
    impl_->load_blank(options.blank_file);
  }
}

Pipeline::~Pipeline() = default;

const PipelineOptions& Pipeline::options() const {
  return impl_->options;
}

std::vector<PageResult> Pipeline::run(const std::vector<std::string>& images,
                                      const std::function<void(size_t, size_t)>& progress) {
  std::vector<PageResult> results;
  run_each(images, [&](size_t input, std::vector<PageResult> pages) {
    for (PageResult& page : pages)
      results.push_back(std::move(page));
    if (progress) progress(input + 1, images.size());
  });
  return results;
}

void Pipeline::run_each(const std::vector<std::string>& images, const FileDone& on_file) {
  std::vector<PageWork> pending;
  size_t pending_crops = 0;
  const PipelineOptions& o = impl_->options;
  if (o.mode == RegionMode::kForm && o.dropout && o.dropout_vote && o.blank_file.empty()) {
    impl_->vote(images);
  }
  std::vector<PageResult> file_pages;  // of the file being finished
  const auto page_done = [&](PageWork& page) {
    const size_t input = page.result.input;
    file_pages.push_back(std::move(page.result));
    if (page.last_of_file) on_file(input, std::exchange(file_pages, {}));
  };
  const auto flush = [&] {
    impl_->recognize(pending, page_done);
    pending.clear();
    pending_crops = 0;
  };
  for (size_t i = 0; i < images.size(); ++i) {
    std::unique_ptr<Document> doc;
    std::pair<int, int> range;
    try {
      doc = open_document(images[i], impl_->document_options);
      range = selected_pages(*doc, impl_->document_options, images[i]);
    } catch (const Error& e) {
      PageWork failed;
      failed.result.source = images[i];
      failed.result.input = i;
      failed.result.error = e.what();
      failed.last_of_file = true;
      pending.push_back(std::move(failed));
      if (pending_crops == 0) flush();  // nothing to wait for: answered now
      continue;
    }
    for (int page = range.first; page <= range.second; ++page) {
      pending.push_back(impl_->analyse(*doc, images[i], page));
      PageWork& work = pending.back();
      work.result.input = i;
      work.last_of_file = page == range.second;
      if (impl_->options.on_crop) {
        for (size_t f = 0; f < work.crops.size(); ++f) {
          const auto box = work.checkbox_crops.find(f);
          const RgbImage& crop = box != work.checkbox_crops.end() ? box->second : work.crops[f];
          if (crop.pixels.empty()) continue;
          std::vector<uint8_t> png;
          cv::imencode(".png", to_bgr(crop), png);
          impl_->options.on_crop(i, page, static_cast<int>(f) + 1,
                                 std::string(png.begin(), png.end()));
        }
      }
      pending_crops += work.crops.size();
      // Pages with nothing to read (so far) are handed over at once.
      if (pending_crops == 0 || pending_crops >= static_cast<size_t>(impl_->options.batch_size))
        flush();
    }
  }
  flush();
}

}  // namespace mlxocr
