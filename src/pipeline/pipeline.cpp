#include "mlxocr/pipeline.h"

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/file_util.h"
#include "image/align.h"
#include "image/cv_convert.h"
#include "image/ink_fit.h"
#include "image/lines.h"
#include "image/template_boxes.h"
#include "io/model_resolver.h"
#include "mlxocr/error.h"
#include "pipeline/field_names.h"
#include "pipeline/recognizer.h"

namespace mlxocr {

namespace {

struct Model {
  std::string name;
  std::unique_ptr<Recognizer> recognizer;
  GenerationConfig options;
};

// A page analysed and cut into crops, waiting for recognition.
struct PageWork {
  PageResult result;
  std::vector<RgbImage> crops;  // one per field; empty image: nothing to read
};

Box inset(const Box& box, int pixels) {
  return {box.x + pixels, box.y + pixels, std::max(0, box.w - 2 * pixels),
          std::max(0, box.h - 2 * pixels)};
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

  RgbImage cut(const cv::Mat& bgr, const Box& box, bool fit = false) const {
    const Box b = clip(box, bgr.cols, bgr.rows);
    if (b.w < 2 || b.h < 2) return {};
    cv::Mat crop;
    bgr(cv::Rect(b.x, b.y, b.w, b.h)).convertTo(crop, -1, options.contrast, options.brightness);
    if (fit) crop = fit_to_ink(crop, InkFitOptions{});
    return from_mat(crop);
  }

  void analyse_form(const cv::Mat& bgr, const cv::Mat& gray, PageWork& work) const {
    const double sx = 1.0 * bgr.cols / template_bgra.cols, sy = 1.0 * bgr.rows / template_bgra.rows;
    cv::Mat mask = template_mask;
    if (bgr.size() != template_mask.size()) {
      cv::resize(template_mask, mask, bgr.size(), 0, 0, cv::INTER_NEAREST);
    }
    Alignment alignment;
    if (options.align) {
      alignment = align_to_template(gray, mask);
      work.result.alignment =
          AlignmentReport{alignment.applied,       alignment.dx,          alignment.dy,
                          alignment.angle_degrees, alignment.correlation, alignment.note};
    }
    const cv::Mat frame = page_in_template_frame(bgr, alignment);
    work.result.template_boxes = template_boxes;
    for (size_t i = 0; i < template_boxes.size(); ++i) {
      const Box box = scaled(template_boxes[i], sx, sy);
      FieldResult field;
      field.index = static_cast<int>(i) + 1;
      field.name = field_names[i];
      field.box = map_box(box, alignment);
      work.result.fields.push_back(field);
      work.crops.push_back(cut(frame, inset(box, options.inset), options.fit_to_ink));
    }
  }

  void analyse_page(const cv::Mat& gray, PageWork& work) const {
    const PageLines page = find_text_lines(gray, LineOptions{});
    work.result.skew_degrees = page.skew_degrees;
    cv::Mat bgr;
    cv::cvtColor(page.deskewed, bgr, cv::COLOR_GRAY2BGR);
    for (size_t i = 0; i < page.lines.size(); ++i) {
      FieldResult field;
      field.index = static_cast<int>(i) + 1;
      field.box = unskew_box(page.lines[i], page, gray.cols, gray.rows);
      work.result.fields.push_back(field);
      work.crops.push_back(cut(bgr, page.lines[i]));
    }
  }

  PageWork analyse(const std::string& file) const {
    PageWork work;
    work.result.source = file;
    try {
      RgbImage image = load_image(file);
      work.result.width = image.width;
      work.result.height = image.height;
      if (options.mode == RegionMode::kLine) {
        FieldResult field;
        field.index = 1;
        field.box = {0, 0, image.width, image.height};
        work.result.fields.push_back(field);
        work.crops.push_back(std::move(image));  // exactly what `recognize` reads
        return work;
      }
      const cv::Mat bgr = to_bgr(image);
      cv::Mat gray;
      cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
      if (options.mode == RegionMode::kForm) {
        analyse_form(bgr, gray, work);
      } else {
        analyse_page(gray, work);
      }
    } catch (const Error& e) {
      work.result.error = e.what();
      work.result.fields.clear();
      work.crops.clear();
    } catch (const cv::Exception& e) {
      work.result.error = file + ": image analysis failed: " + e.what();
      work.result.fields.clear();
      work.crops.clear();
    }
    return work;
  }

  // Reads every crop of `pages` with every model, in batches that span pages.
  void recognize(std::vector<PageWork>& pages) const {
    std::vector<RgbImage> crops;
    std::vector<FieldResult*> targets;
    for (PageWork& page : pages) {
      for (size_t i = 0; i < page.crops.size(); ++i) {
        if (page.crops[i].pixels.empty()) continue;
        crops.push_back(std::move(page.crops[i]));
        targets.push_back(&page.result.fields[i]);
      }
      page.crops.clear();
    }
    if (crops.empty()) return;
    for (const Model& model : models) {
      auto lines = model.recognizer->recognize_images(crops, model.options, options.batch_size);
      apply_min_confidence(lines, options.min_confidence);
      for (size_t i = 0; i < lines.size(); ++i) {
        targets[i]->models.push_back({model.name, lines[i].text, lines[i].confidence});
      }
    }
    for (FieldResult* field : targets) {
      field->text = field->models.front().text;
      field->confidence = field->models.front().confidence;
    }
  }
};

Pipeline::Pipeline(PipelineOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.models.empty()) throw UsageError("give at least one --model");
  if (options.batch_size < 1) throw UsageError("--batch-size must be at least 1");
  if (options.mode == RegionMode::kForm && options.template_file.empty()) {
    throw UsageError("form mode needs --template");
  }
  impl_->options = options;
  for (const std::string& dir : options.models) {
    const std::filesystem::path folder = resolve_model(dir);
    Model model{dir.empty() ? folder.string() : dir, std::make_unique<Recognizer>(folder), {}};
    model.options = model.recognizer->default_config();  // the checkpoint's own settings
    if (options.max_new_tokens > 0) model.options.max_new_tokens = options.max_new_tokens;
    if (options.num_beams > 0) model.options.num_beams = options.num_beams;
    validate_generation_config(model.options, model.recognizer->model().config);
    impl_->models.push_back(std::move(model));
  }
  if (options.mode == RegionMode::kForm) {
    impl_->template_bgra = load_template(options.template_file);
    TemplateOptions t;
    t.min_red = options.red_min, t.max_green = options.green_max, t.max_blue = options.blue_max;
    t.min_width = options.min_box_width, t.min_height = options.min_box_height;
    t.max_width_fraction = options.max_box_width_fraction;
    impl_->template_mask = red_mask(impl_->template_bgra, t);
    impl_->template_boxes = find_template_boxes(impl_->template_bgra, t);
    if (impl_->template_boxes.empty()) {
      throw ImageError(options.template_file +
                       ": no red field outlines found (see --red-min/--green-max/--blue-max)");
    }
    impl_->field_names = load_field_names(options.fields_file, impl_->template_boxes);
  }
}

Pipeline::~Pipeline() = default;

const PipelineOptions& Pipeline::options() const {
  return impl_->options;
}

std::vector<PageResult> Pipeline::run(const std::vector<std::string>& images,
                                      const std::function<void(size_t, size_t)>& progress) {
  std::vector<PageResult> results;
  std::vector<PageWork> pending;
  size_t pending_crops = 0;
  const auto flush = [&] {
    impl_->recognize(pending);
    for (PageWork& page : pending)
      results.push_back(std::move(page.result));
    pending.clear();
    pending_crops = 0;
    if (progress) progress(results.size(), images.size());
  };
  for (size_t i = 0; i < images.size(); ++i) {
    pending.push_back(impl_->analyse(images[i]));
    if (impl_->options.on_crop) {
      const PageWork& work = pending.back();
      for (size_t f = 0; f < work.crops.size(); ++f) {
        if (work.crops[f].pixels.empty()) continue;
        std::vector<uint8_t> png;
        cv::imencode(".png", to_bgr(work.crops[f]), png);
        impl_->options.on_crop(i, static_cast<int>(f) + 1, std::string(png.begin(), png.end()));
      }
    }
    pending_crops += pending.back().crops.size();
    if (pending_crops >= static_cast<size_t>(impl_->options.batch_size)) flush();
  }
  flush();
  return results;
}

}  // namespace mlxocr
