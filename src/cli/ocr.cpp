// mlxocr ocr: the main command. Forms from templates, pages of lines, or single lines; files,
// folders, globs or a list on stdin; text/JSON/CSV/TSV/hOCR/ALTO/PAGE/Tesseract TSV and pictures.
#include <fnmatch.h>
#include <glob.h>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <set>
#include <tuple>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "core/file_util.h"
#include "core/output_lock.h"
#include "core/progress.h"
#include "image/cv_convert.h"
#include "image/document.h"
#include "image/image.h"
#include "mlxocr/error.h"
#include "mlxocr/pipeline.h"
#include "pipeline/output_names.h"
#include "pipeline/pdf_document.h"
#include "pipeline/pictures.h"
#include "pipeline/review.h"
#include "pipeline/tesseract_tsv.h"
#include "pipeline/writers.h"
#include "pipeline/xml_writers.h"

namespace mlxocr::cli {

namespace {

namespace fs = std::filesystem;

const char* kDefaultPattern = "*.png,*.jpg,*.jpeg,*.tif,*.tiff,*.bmp,*.webp,*.pdf";

struct OcrArgs {
  std::vector<std::string> models, inputs;
  std::string template_file, fields_file, pattern = kDefaultPattern, format = "text", output_dir;
  std::string layout = "tesseract";
  bool lines = false, align = false, no_images = false, quiet = false, whole_boxes = false;
  bool no_orientation = false;
  bool no_windows = false;
  double review_below = -1;  // --review-below; negative: no review files
  bool no_dropout = false, no_follow_ink = false;
  PipelineOptions pipeline;
};

bool matches_pattern(const std::string& name, const std::string& patterns) {
  size_t start = 0;
  while (start <= patterns.size()) {
    const size_t comma = patterns.find(',', start);
    const std::string pattern = patterns.substr(start, comma - start);
    if (!pattern.empty() && ::fnmatch(pattern.c_str(), name.c_str(), FNM_CASEFOLD) == 0)
      return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

// Files, folders (recursive, filtered by --pattern), globs, and "-" for a list on stdin.
std::vector<std::string> expand_inputs(const OcrArgs& args) {
  std::vector<std::string> files;
  std::vector<std::string> queue;
  for (const std::string& input : args.inputs) {
    if (input == "-") {
      for (std::string line; std::getline(std::cin, line);) {
        if (!line.empty()) queue.push_back(line);
      }
    } else {
      queue.push_back(input);
    }
  }
  for (const std::string& input : queue) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(
               input, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec) &&
            matches_pattern(it->path().filename().string(), args.pattern)) {
          found.push_back(it->path().string());
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (input.find_first_of("*?[") != std::string::npos && !fs::exists(input, ec)) {
      glob_t g{};
      if (::glob(input.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i)
          files.push_back(g.gl_pathv[i]);
      } else {
        files.push_back(input);  // reported as missing by the pipeline
      }
      ::globfree(&g);
    } else {
      files.push_back(input);  // missing files are reported per image, not fatal
    }
  }
  return files;
}

std::string extension_of(const std::string& format) {
  if (format == "text") return ".txt";
  if (format == "hocr") return ".hocr";
  if (format == "alto") return ".alto.xml";
  if (format == "page") return ".page.xml";
  if (format == "tesseract-tsv") return ".tess.tsv";  // NAME.tsv is the field table's
  return "." + format;
}

std::string render(const PageResult& page, const std::string& format, RegionMode mode) {
  if (format == "json") return to_json(page).dump(2) + "\n";
  if (format == "csv") return format_table({page}, ',');
  if (format == "tsv") return format_table({page}, '\t');
  if (format == "hocr") return format_hocr(page, mode);
  if (format == "alto") return format_alto(page, mode);
  if (format == "page") return format_page_xml(page, mode, utc_now());
  if (format == "tesseract-tsv") return format_tesseract_tsv(page, mode);
  return format_text(page, mode);
}

// Output names of a page: the file's stem, with ".pN" for pages of a multi-page document.
std::string page_stem(const std::string& stem, int page, int page_count) {
  return page_count > 1 ? stem + ".p" + std::to_string(page) : stem;
}

// The searchable PDF of one input file, its pages in order. Returns the pages it could not draw
// and the file if it could not be written (each reported through `say`).
size_t write_pdf(const std::vector<PageResult>& pages, const fs::path& target,
                 const DocumentOptions& document_options,
                 const std::function<void(const std::string&)>& say) {
  std::error_code ec;
  if (fs::equivalent(target, pages.front().source, ec)) {
    say("mlxocr: error: " + target.string() +
        ": is the input itself; not overwritten (choose another -o)\n");
    return 1;
  }
  std::vector<const PageResult*> in_order;
  for (const PageResult& page : pages)
    in_order.push_back(&page);
  const SearchablePdfFile pdf = searchable_pdf(in_order, document_options);
  for (const std::string& problem : pdf.problems)
    say("mlxocr: error: " + problem + "\n");
  if (!pdf.bytes.empty()) write_file_atomic(target, pdf.bytes);
  return pdf.problems.size();
}

void write_pictures(const fs::path& dir, const std::string& stem, const PageResult& page,
                    RegionMode mode, const DocumentOptions& document_options) {
  const auto doc = open_document(page.source, document_options);
  const cv::Mat bgr = to_bgr(doc->page(page.page));
  if (mode == RegionMode::kForm) write_png(dir / (stem + ".guides.png"), draw_guides(bgr, page));
  write_png(dir / (stem + ".annotated.png"), draw_annotated(bgr, page));
}

// What ocr does with one file's pages as soon as the pipeline hands them over: reports their
// failures and warnings, then gives their outputs (stdout; or in the output folder one file per
// page and format, the pictures, one searchable PDF per file). An output that cannot be written
// is reported and counted, and the run goes on: the other files' results are still written.
class FileOutputs {
 public:
  FileOutputs(const OcrArgs& args, const std::vector<std::string>& stems,
              const DocumentOptions& document_options, ProgressBar& bar)
      : args_(args), stems_(stems), document_options_(document_options), bar_(bar) {}

  void write(const std::vector<PageResult>& pages) {
    const auto start = std::chrono::steady_clock::now();
    // Pages that share a file are one document: ".pN" names when it has several.
    const int pages_read = static_cast<int>(pages.size());
    for (const PageResult& page : pages) {
      report(page);
      regions_ += page.fields.size();
      if (args_.output_dir.empty()) {
        to_stdout(page, stems_.size() > 1 || pages.size() > 1);
      } else {
        const std::string& stem = stems_[page.input];
        to_folder(page, page_stem(stem, page.page, std::max(page.page_count, pages_read)));
      }
    }
    if (args_.format == "pdf" && !pages.empty()) {
      const fs::path target = fs::path(args_.output_dir) / (stems_[pages.front().input] + ".pdf");
      attempt([&] { failures_ += write_pdf(pages, target, document_options_, say()); });
    }
    seconds_writing_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  size_t failures() const { return failures_; }
  size_t regions() const { return regions_; }
  double seconds_writing() const { return seconds_writing_; }

 private:
  std::function<void(const std::string&)> say() {
    return [this](const std::string& line) { bar_.print_above(line); };
  }

  // Runs `write`; an output it cannot write is one failure, named on stderr.
  template <typename Write>
  void attempt(const Write& write, const std::string& what = "") {
    try {
      write();
    } catch (const Error& e) {
      bar_.print_above("mlxocr: error: " + what + e.what() + "\n");
      ++failures_;
    }
  }

  void report(const PageResult& page) {
    if (!page.error.empty()) {
      ++failures_;
      bar_.print_above("mlxocr: error: " + with_flag_names(page.error) + "\n");
    }
    if (args_.quiet) return;
    if (!page.layout_note.empty()) {
      bar_.print_above("mlxocr: warning: " + page.source + " page " + std::to_string(page.page) +
                       ": " + page.layout_note + "\n");
    }
    if (page.alignment && !page.alignment->note.empty()) {
      bar_.print_above("mlxocr: warning: " + page.source + ": " + page.alignment->note + "\n");
    }
  }

  // JSON, CSV and TSV go to stdout once for all pages, at the end; the others page by page.
  void to_stdout(const PageResult& page, bool several_pages) {
    const RegionMode mode = args_.pipeline.mode;
    const bool aggregate = args_.format == "json" || args_.format == "csv" || args_.format == "tsv";
    if (aggregate || !page.error.empty()) return;
    if (args_.format == "text" && several_pages) {
      std::cout << "== " << page.source;
      if (page.page_count > 1) std::cout << " page " << page.page;
      std::cout << "\n";
    }
    if (args_.format == "tesseract-tsv") {
      // One header for all pages, as for a multi-page TIFF.
      std::cout << format_tesseract_tsv(page, mode, !tsv_header_written_);
      tsv_header_written_ = true;
    } else {
      std::cout << render(page, args_.format, mode);
    }
    std::cout.flush();  // a file's text is out once it is read
  }

  void to_folder(const PageResult& page, const std::string& stem) {
    const RegionMode mode = args_.pipeline.mode;
    const fs::path dir = args_.output_dir;
    if (args_.format != "pdf") {  // PDFs: one per file
      attempt([&] {
        write_file_atomic(dir / (stem + extension_of(args_.format)),
                          render(page, args_.format, mode));
      });
    }
    if (!args_.no_images && page.error.empty()) {
      attempt([&] { write_pictures(dir, stem, page, mode, document_options_); },
              "pictures of " + page.source + ": ");
    }
  }

  const OcrArgs& args_;
  const std::vector<std::string>& stems_;
  const DocumentOptions& document_options_;
  ProgressBar& bar_;
  size_t failures_ = 0, regions_ = 0;
  double seconds_writing_ = 0;
  bool tsv_header_written_ = false;
};

int run(OcrArgs& args) {
  PipelineOptions& options = args.pipeline;
  // No --model: the bundled default (resolve_model maps "" to it).
  options.models = args.models.empty() ? std::vector<std::string>{""} : args.models;
  options.template_file = args.template_file;
  options.fields_file = args.fields_file;
  options.align = args.align;
  options.fit_to_ink = !args.whole_boxes;
  options.dropout = !args.no_dropout;
  options.follow_ink = !args.no_follow_ink;
  if (!options.blank_file.empty() && args.template_file.empty()) {
    throw UsageError("--blank needs --template");
  }
  options.layout = args.layout == "simple" ? LayoutEngine::kSimple : LayoutEngine::kTesseract;
  options.detect_orientation = !args.no_orientation;
  options.window_long_lines = !args.no_windows;
  options.max_pixels = default_max_pixels();  // --max-pixels, parsed into the process's budget
  if (!args.template_file.empty() && args.lines) {
    throw UsageError("--template (form mode) and --lines (page mode) exclude each other");
  }
  if (args.align && args.template_file.empty()) throw UsageError("--align needs --template");
  options.mode = !args.template_file.empty() ? RegionMode::kForm
                 : args.lines                ? RegionMode::kPage
                                             : RegionMode::kLine;
  if (args.format == "pdf" && args.output_dir.empty()) {
    throw UsageError("--format pdf writes one PDF file per input: give --output-dir DIR");
  }
  const std::vector<std::string> files = expand_inputs(args);
  if (files.empty()) throw UsageError("no input images found (check the paths and --pattern)");
  const std::vector<std::string> stems = output_names(files);
  const fs::path out_dir = args.output_dir;
  // One writer per output folder, for the whole run (released by the kernel if killed).
  std::unique_ptr<OutputLock> lock;
  if (!out_dir.empty())
    lock = std::make_unique<OutputLock>(OutputLock::inside(out_dir), out_dir, "ocr");
  const bool review = args.review_below >= 0;
  if (review && args.output_dir.empty()) {
    throw UsageError("--review-below writes review.csv and review.html: give --output-dir DIR");
  }
  // --review-below: every crop is kept (as PNG, a few KB each) until the review is written.
  std::map<std::tuple<size_t, int, int>, std::string> review_crops;
  if (!args.output_dir.empty() && (!args.no_images || review)) {
    options.on_crop = [&](size_t image, int page, int field, const std::string& png) {
      if (review) review_crops[{image, page, field}] = png;
      if (args.no_images) return;
      char name[16];
      std::snprintf(name, sizeof name, "%03d.png", field);
      const std::string crops = page > 1 ? ".p" + std::to_string(page) + ".crops" : ".crops";
      write_file_atomic(out_dir / (stems[image] + crops) / name, png);
    };
  }

  DocumentOptions document_options;  // the pictures' pages, as the pipeline read them
  document_options.dpi = options.dpi;
  Pipeline pipeline(options);
  const auto start = std::chrono::steady_clock::now();
  ProgressBar bar("ocr", files.size(), !args.quiet && stderr_is_terminal());
  FileOutputs outputs(args, stems, document_options, bar);
  std::vector<PageResult> pages;  // every file's, for the outputs over all files at the end
  // Each file's outputs are written as soon as its regions are read, while later files are
  // still being read: a failure later in the run (an input, the machine) loses none of them.
  pipeline.run_each(files, [&](size_t input, std::vector<PageResult> file_pages) {
    outputs.write(file_pages);
    for (PageResult& page : file_pages)
      pages.push_back(std::move(page));
    bar.update(input + 1);
  });
  bar.finish();
  // Reading speed: the time spent writing the outputs on the way is not reading.
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() -
      outputs.seconds_writing();
  const size_t failures = outputs.failures();
  const size_t regions = outputs.regions();
  // Aggregates: on stdout for JSON/CSV/TSV, and in the output folder for several images.
  nlohmann::json all = nlohmann::json::array();
  for (const auto& page : pages)
    all.push_back(to_json(page));
  if (args.output_dir.empty()) {
    if (args.format == "json") std::cout << (pages.size() == 1 ? all[0] : all).dump(2) << "\n";
    if (args.format == "csv") std::cout << format_table(pages, ',');
    if (args.format == "tsv") std::cout << format_table(pages, '\t');
  } else if (pages.size() > 1) {
    write_file_atomic(out_dir / "results.json", all.dump(2) + "\n");
    write_file_atomic(out_dir / "results.csv", format_table(pages, ','));
  }
  std::string review_note;
  if (review) {
    std::vector<ReviewItem> items;
    for (const PageResult& page : pages) {
      for (const FieldResult& field : page.fields) {
        if (!needs_review(field, args.review_below)) continue;
        const auto crop = review_crops.find({page.input, page.page, field.index});
        items.push_back({&page, &field, crop == review_crops.end() ? "" : crop->second});
      }
    }
    write_file_atomic(out_dir / "review.csv", format_review_csv(items));
    write_file_atomic(out_dir / "review.html", format_review_html(items, args.review_below));
    review_note = ", " + std::to_string(items.size()) + " to review (" +
                  (out_dir / "review.html").string() + ")";
  }
  if (!args.quiet) {
    std::fprintf(stderr, "mlxocr: %zu image(s), %zu region(s), %zu failure(s)%s, %.1f regions/s\n",
                 pages.size(), regions, failures, review_note.c_str(),
                 seconds > 0 ? regions / seconds : 0.0);
  }
  return failures ? 1 : 0;
}

}  // namespace

Action add_ocr(CLI::App& app) {
  auto* cmd = app.add_subcommand("ocr", "Read forms, pages or lines from images, files or folders");
  auto args = std::make_shared<OcrArgs>();
  PipelineOptions& p = args->pipeline;
  cmd->add_option("--model,-m", args->models,
                  "Model folder or hub id org/name[@revision]; repeat to read every field with "
                  "several models side by side\n"
                  "(the first model's text is the result, e.g. base then fine-tuned); default: the "
                  "bundled model, models/mlxocr-fields-tiny")
      ->allow_extra_args(false);  // -m A -m B; the words after -m A are inputs
  cmd->add_option(
         "INPUT", args->inputs,
         "Image files (PNG, JPEG, TIFF with all its pages, BMP, WebP) and PDFs, folders (searched\n"
         "recursively), globs, or - for a list of paths on stdin")
      ->required();
  cmd->add_option("--template,-t", args->template_file,
                  "Form mode: template image whose red outlines mark the fields");
  cmd->add_flag("--align", args->align,
                "Form mode: register each page to the template first (shift + small rotation, by "
                "phase correlation)");
  cmd->add_option("--fields", args->fields_file,
                  "Form mode: JSON naming the fields: [\"name1\", ...] in reading order, or\n"
                  "[{\"index\": 3, \"name\": ...}] or [{\"x\": .., \"y\": .., \"name\": ..}] "
                  "(template pixels);\nobjects may add \"type\" (see \"Typed fields\" below)");
  cmd->add_flag("--lines", args->lines,
                "Page mode: find the text lines of each page and read them");
  cmd->add_option("--layout", args->layout,
                  "Page mode: how lines are found, tesseract | simple (see \"Page layout\" below)")
      ->check(CLI::IsMember({"tesseract", "simple"}))
      ->capture_default_str();
  cmd->add_flag("--no-orientation", args->no_orientation,
                "Page mode, tesseract layout: read pages as they lie (no orientation detection)");
  cmd->add_flag("--no-windows", args->no_windows,
                "Read every line whole, however long (see \"Long lines\" below)");
  cmd->add_option("--dpi", p.dpi, "PDF pages are rasterised at this resolution")
      ->check(CLI::Range(10, 2400))
      ->capture_default_str();
  cmd->add_option("--pages", p.pages,
                  "Pages of each PDF / multi-page TIFF to read: N, N-M, N- or -M (default: all;\n"
                  "other images are read whole)");
  cmd->add_option("--pattern", args->pattern, "File patterns searched in folders (comma-separated)")
      ->capture_default_str();
  cmd->add_option("--batch-size", p.batch_size, "Regions decoded together, across files")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option(
         "--max-new-tokens", p.max_new_tokens,
         "Most tokens per region (default: the model's; an old max_length <= 20 becomes 128)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--num-beams", p.num_beams,
                  "Beam search with N beams, 1 = greedy (default: the model's setting)")
      ->check(CLI::PositiveNumber);
  cmd->add_option(
         "--min-confidence", p.min_confidence,
         "Fields read with a confidence (calibrated when the model is: the estimated chance "
         "the text is exact) below X get an empty text (the confidence stays)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--format", args->format,
                  "text | json | csv | tsv | hocr | alto | page | tesseract-tsv | pdf (see below)")
      ->check(CLI::IsMember(
          {"text", "json", "csv", "tsv", "hocr", "alto", "page", "tesseract-tsv", "pdf"}))
      ->capture_default_str();
  cmd->add_option(
      "--output-dir,-o", args->output_dir,
      "Write per-image results, results.json/csv for several images, and pictures here");
  cmd->add_flag("--no-images", args->no_images,
                "Do not write pictures (NAME.annotated.png, NAME.guides.png) and crops");
  cmd->add_flag("--quiet,-q", args->quiet, "No progress bar, warnings or summary");
  cmd->add_option(
         "--review-below", args->review_below,
         "With -o: write review.csv and review.html (crops, every model's reading,\n"
         "confidences) for the fields read with a confidence below X or failing their type")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--inset", p.inset, "Form mode: crop this many pixels inside each outline")
      ->capture_default_str();
  cmd->add_flag("--whole-boxes", args->whole_boxes,
                "Form mode: read each box whole (default: cut down to the writing in it, see "
                "\"Field crops\" below)");
  cmd->add_option("--blank", p.blank_file,
                  "Form mode: an empty copy of the form (aligned like the scans); what is printed "
                  "on it is\nremoved from every scan before cropping (see \"Drop-out\" below)");
  cmd->add_flag("--no-dropout", args->no_dropout,
                "Form mode: keep the printed form in the crops (no blank, vote or label removal)");
  cmd->add_flag("--no-follow-ink", args->no_follow_ink,
                "Form mode: cut crops inside the outlines (writing across them is cut off)");
  cmd->add_option("--contrast", p.contrast, "Crop enhancement: pixel * contrast + brightness")
      ->capture_default_str();
  cmd->add_option("--brightness", p.brightness, "Crop enhancement (see --contrast)")
      ->capture_default_str();
  cmd->add_option("--red-min", p.red_min, "Template: least red of an outline pixel")
      ->capture_default_str();
  cmd->add_option("--green-max", p.green_max, "Template: most green of an outline pixel")
      ->capture_default_str();
  cmd->add_option("--blue-max", p.blue_max, "Template: most blue of an outline pixel")
      ->capture_default_str();
  cmd->add_option("--min-box-width", p.min_box_width, "Template: narrower boxes are ignored")
      ->capture_default_str();
  cmd->add_option("--min-box-height", p.min_box_height, "Template: lower boxes are ignored")
      ->capture_default_str();
  cmd->add_option("--max-box-width", p.max_box_width_fraction,
                  "Template: boxes wider than this fraction of the template are ignored")
      ->capture_default_str();
  add_max_pixels_option(cmd);
  cmd->footer(
      "Modes:\n"
      "  line (default)  each image is one text line\n"
      "  page (--lines)  lines are found on the page (--layout), read in reading order\n"
      "  form (--template T.png [--align] [--fields F.json])  fields are the red outlines of T;\n"
      "                  crops are cut a few pixels inside each outline, lightly enhanced, and "
      "read\n\n"
      "Field crops (form mode): a box is usually much larger than what is written in it. Each "
      "crop is\n"
      "cut down to its writing (the box's edges and specks of scan noise ignored) with a margin "
      "of\n"
      "0.3 (above, below) and 0.5 (left, right) times the writing's height, so that the writing "
      "fills\n"
      "the crop as it fills a training line (12 test forms, bundled model: 60 % of the fields "
      "read\n"
      "exactly with whole boxes, 81 % cut down; bench/QUALITY.md).\n"
      "An empty box is read whole. --whole-boxes turns this off.\n\n"
      "Drop-out (form mode): what is printed on the form (labels inside boxes, lines, the\n"
      "outlines) is removed from each aligned scan before cropping, so only the filling is read:\n"
      "with --blank, the blank's ink (widened by 0.12 % of the page's longer side, at least 2 px,\n"
      "for alignment error); else, with 5 or more pages in the run, ink found at the same place\n"
      "on 75 % of them; else small printed labels at a box's top edge or top-left corner, apart\n"
      "from the writing. Strokes crossing a printed line are kept. Writing that crosses a box's\n"
      "outline (descenders, a name on the line) is followed and kept whole, up to half a box's\n"
      "height beyond it, unless most of it lies in another box. NAME.guides.png shows what was\n"
      "dropped in light blue. --no-dropout and --no-follow-ink turn these off (docs/forms.md).\n\n"
      "Typed fields (form mode, --fields entries with \"type\"): text (anything), date\n"
      "(12.03.2024, 12/3/24, 2024-03-12), number (-12, 3.5), amount (1,234.50, $ 12, 12 EUR),\n"
      "email, phone (+41 44 123 45 67), pattern with \"pattern\": a regular expression (whole\n"
      "text; . [] () | * + ? {n,m} \\d \\w \\s) or \"chars\": the allowed characters, and "
      "checkbox.\n"
      "Decoding keeps the text a valid beginning of its type at every step (greedy and beams\n"
      "alike: a token is allowed only if the text stays a valid prefix, EOS only once it is\n"
      "complete), so a number cannot come out as \"1 %\". JSON/CSV give \"type\" and \"valid\"\n"
      "(false: stopped by --max-new-tokens, --min-confidence, or no token fits). Check boxes\n"
      "(declared, or untyped boxes that are square within 20 % and at most 2.5 % of the\n"
      "template's width) are read from their ink, not by the model: checked when 5 % of the\n"
      "inside (outline removed) is dark; text \"[x]\" / \"[ ]\", JSON \"checked\", confidence\n"
      "from the distance to that threshold. docs/forms.md has the details.\n"
      "Review (--review-below X, needs -o): review.csv and review.html (each field's crop, every\n"
      "model's reading and confidence, type validity) for fields below X or failing their type;\n"
      "the summary line counts them.\n\n"
      "Page layout (--lines):\n"
      "  tesseract (default)  Tesseract's page segmentation (its C++ API, no recognition): "
      "blocks,\n"
      "      columns, paragraphs and lines with baselines in Tesseract's reading order; pictures "
      "and\n"
      "      separators are left out. Orientation detection (osd.traineddata) first turns pages "
      "lying\n"
      "      at 90/180/270 degrees upright when its confidence is at least 14 (OCRmyPDF's "
      "threshold);\n"
      "      boxes are given on the page as stored. Resolution: the PDF's --dpi, else the "
      "file's own;\n"
      "      without one Tesseract estimates it from the text's size, as the tesseract command "
      "does.\n"
      "      Fails on: handwriting and sparse forms "
      "(lines\n"
      "      split or merged), pages with little text (orientation left as is, with a warning), "
      "and\n"
      "      text in tables or over pictures.\n"
      "  simple  binarise, deskew within 5 degrees, cut at empty rows across the whole width: "
      "fast,\n"
      "      right on clean one-column pages only; columns side by side, pictures and scan "
      "borders\n"
      "      merge into one \"line\".\n\n"
      "Long lines: a crop wider than W times its height (W: the model's input width / "
      "height,\n"
      "at least 8; 12 for the bundled model), or holding more characters than the model may "
      "emit,\n"
      "is read in overlapping windows of at most W, cut at gaps between words found on its ink;\n"
      "each word of the overlap is kept from the window that read it more confidently "
      "(docs/long_lines.md).\n"
      "A line without word gaps is read whole. --no-windows reads every line whole.\n\n"
      "Documents: a PDF's pages are rasterised at --dpi (poppler); every page of a TIFF is read. "
      "Each\n"
      "page is a result with its page number (JSON \"page\", CSV/TSV column, hOCR/ALTO page); "
      "with -o\n"
      "the pages of a multi-page file are NAME.pN.*. An encrypted, broken or oversized PDF (more "
      "than\n"
      "10000 pages, or a page over the pixel budget at --dpi) is refused with one line before "
      "any\n"
      "rendering; the other inputs are still read.\n\n"
      "Words: every line's words (its text split at spaces) get boxes from the ink of the crop "
      "the\n"
      "model read: blank columns at least 0.2 times the ink's height wide are candidate gaps; "
      "for n\n"
      "words the n-1 widest are the boundaries, and where there are fewer (touching words) ink "
      "is\n"
      "cut in proportion to the words' characters. Each word's confidence is exp(mean log-prob "
      "of\n"
      "its tokens). Boxes are approximate where words touch or letters are spaced as widely as "
      "words;\n"
      "a crop without ink gives no word boxes. Not done: refinement by the decoder's "
      "cross-attention,\n"
      "and windowing of lines too long for the model's input.\n\n"
      "ALTO (v4) and PAGE (2019) outputs: one document per page; regions are the layout's "
      "blocks,\n"
      "lines carry boxes and baselines, words are ALTO String (HPOS/VPOS/WIDTH/HEIGHT, WC) and "
      "PAGE\n"
      "Word (Coords, TextEquiv conf) elements. hOCR: ocr_line spans (in an ocr_carea per form "
      "field)\n"
      "holding ocrx_word spans with bbox and x_wconf. JSON: \"words\" per field.\n"
      "tesseract-tsv: Tesseract 5's TSV (level page_num block_num par_num line_num word_num left "
      "top\n"
      "width height conf text; levels 1 page .. 5 word, conf -1 but on words), written as "
      "NAME.tess.tsv\n"
      "(NAME.tsv is --format tsv's field table); on stdout one header for all pages.\n\n"
      "Searchable PDF (--format pdf, needs -o): NAME.pdf per input file with all its selected "
      "pages:\n"
      "the page image (a one-page JPEG as its own bytes, else lossless) under invisible text, "
      "each\n"
      "word at its box (a line without word boxes: its text stretched over the line), found by "
      "a\n"
      "viewer's search and by pdftotext. Page size: pixels * 72 / dpi, with --dpi for PDF "
      "inputs,\n"
      "else the file's own resolution, else 300. A page whose reading failed keeps its image "
      "without\n"
      "text; one whose image cannot be read again is left out and named (exit code 1).\n\n"
      "Outputs: without --output-dir the results go to stdout. With it: NAME.txt/.json/.csv/.tsv/\n"
      ".hocr/.alto.xml/.page.xml/.tess.tsv per image (.pdf per file), NAME.annotated.png,\n"
      "NAME.guides.png (form mode), NAME.crops/NNN.png (what the model read), and\n"
      "results.json + results.csv for several images. NAME.annotated.png is two panels: left,\n"
      "the page with blocks (purple), lines or fields numbered in reading order (green) and\n"
      "words (blue); right, each line's text inside its own box, in DejaVu Sans\n"
      "(fonts-dejavu-core; characters it lacks, CJK for one, as its missing-glyph box; without\n"
      "the font, ASCII and '?'). Confidence below 0.5: orange.\n"
      "NAME is the image's path relative to the deepest folder holding all inputs, without its\n"
      "extension (a/x.png and b/x.png: a/x.txt and b/x.txt; x.png beside x.jpg keep theirs:\n"
      "x.png.txt, x.jpg.txt), the same on every run. While writing, ocr holds DIR/.mlxocr.lock:\n"
      "a second ocr into the same folder fails at once.\n"
      "Boxes are in the page's own pixels; after --align they are where the field lies on the "
      "scan.\n"
      "Files are written atomically, each image's as soon as it is read (results.json/csv and "
      "review\nfiles at the end); one that cannot be written is named and the run goes on.\n\n"
      "Exit codes: 0 every input read. 1 an input refused (unreadable, corrupt, not an image, "
      "over\n"
      "--max-pixels from its header, a broken or oversized PDF): one line on stderr names it and\n"
      "the problem, and every other input's result is still written; also a model folder that\n"
      "cannot be used. 2 a bad option or a value beyond a limit, before any input is read. 3 an\n"
      "internal error (a bug).\n\n"
      "Examples:\n"
      "  mlxocr ocr -m MODEL --template form.png --align scan.png -o out/\n"
      "  mlxocr ocr -m MODEL --lines page.jpg\n"
      "  mlxocr ocr -m MODEL scans/ --format csv > fields.csv");
  return [args] { return run(*args); };
}

}  // namespace mlxocr::cli
