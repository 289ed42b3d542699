#include "image/document.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>
#include <charconv>
#include <cmath>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "core/file_util.h"
#include "image/cv_convert.h"
#include "image/image_resolution.h"
#include "image/tiff_pages.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

std::string head_of(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file.string() + ": cannot open");
  char bytes[8] = {};
  in.read(bytes, sizeof bytes);
  return std::string(bytes, static_cast<size_t>(in.gcount()));
}

void check_pixels(uint64_t width, uint64_t height, const ImageLimits& limits,
                  const std::string& what) {
  if (width == 0 || height == 0) throw ImageError(what + ": the page is empty (0 pixels)");
  if (width > limits.max_pixels / height) {
    throw ImageError(what + ": " + std::to_string(width) + "x" + std::to_string(height) +
                     " pixels, more than the limit of " + std::to_string(limits.max_pixels));
  }
}

void check_page_count(int count, const DocumentOptions& options, const std::string& file) {
  if (count > options.max_pages) {
    throw ImageError(file + ": claims " + std::to_string(count) + " pages, more than the " +
                     std::to_string(options.max_pages) + " mlxocr reads from one document");
  }
  if (count < 1) throw ImageError(file + ": has no pages");
}

std::string page_name(const std::string& file, int number) {
  return file + " page " + std::to_string(number);
}

int whole_dpi(const std::optional<Resolution>& resolution) {
  return resolution ? static_cast<int>(std::lround(resolution->y)) : 0;
}

// `tiff_dpi`: a one-page TIFF's resolution tag, read when it was opened (its bytes hold none
// that image_resolution reads).
class ImageDocument : public Document {
 public:
  ImageDocument(std::filesystem::path file, const ImageLimits& limits, int tiff_dpi = 0)
      : file_(std::move(file)), limits_(limits), tiff_dpi_(tiff_dpi) {}
  int page_count() const override { return 1; }
  DocumentPage read_page(int) const override {
    const std::string bytes = read_file(file_, limits_.max_file_bytes);
    const int dpi = tiff_dpi_ > 0 ? tiff_dpi_ : whole_dpi(image_resolution(bytes));
    return {decode_image(bytes, file_.string(), limits_), dpi};
  }
  bool paged() const override { return false; }

 private:
  std::filesystem::path file_;
  ImageLimits limits_;
  int tiff_dpi_ = 0;
};

// Poppler reports what it found wrong through this hook (global, hence thread_local); the last
// message goes into our own one-line error instead of onto stderr.
thread_local std::string poppler_last_error;
void keep_poppler_error(const std::string& message, void*) {
  const std::string prefix = "error: ";
  poppler_last_error = message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

std::string poppler_says() {
  if (poppler_last_error.empty()) return "";
  return " (poppler: " + poppler_last_error + ")";
}

class PdfDocument : public Document {
 public:
  PdfDocument(const std::filesystem::path& file, const DocumentOptions& options)
      : name_(file.string()), options_(options) {
    poppler::set_debug_error_function(keep_poppler_error, nullptr);
    poppler_last_error.clear();
    doc_.reset(poppler::document::load_from_file(name_));
    if (!doc_) {
      throw ImageError(name_ + ": not a readable PDF (broken or truncated)" + poppler_says());
    }
    // Checked before anything else: poppler's other calls on a locked document crash.
    if (doc_->is_locked()) throw ImageError(name_ + ": the PDF is encrypted with a password");
    const int count = doc_->pages();
    if (count < 1) throw ImageError(name_ + ": no readable pages" + poppler_says());
    check_page_count(count, options_, name_);
  }
  int page_count() const override { return doc_->pages(); }
  int dpi() const override { return options_.dpi; }

  DocumentPage read_page(int number) const override { return {render(number), options_.dpi}; }

 private:
  RgbImage render(int number) const {
    const std::string what = page_name(name_, number);
    poppler_last_error.clear();
    std::unique_ptr<poppler::page> page(doc_->create_page(number - 1));
    if (!page) throw ImageError(what + ": cannot be read");
    const poppler::rectf rect = page->page_rect(poppler::media_box);
    // Points times dpi first, then / 72: a page of 14400 pt at 300 dpi is 60000 px exactly.
    const double w = std::ceil(std::abs(rect.width()) * options_.dpi / 72.0);
    const double h = std::ceil(std::abs(rect.height()) * options_.dpi / 72.0);
    if (!std::isfinite(w) || !std::isfinite(h) || w > 1e9 || h > 1e9) {
      throw ImageError(what + ": page size out of range");
    }
    check_pixels(static_cast<uint64_t>(w), static_cast<uint64_t>(h), options_.limits, what);
    poppler::page_renderer renderer;
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer.set_image_format(poppler::image::format_rgb24);
    const poppler::image image = renderer.render_page(page.get(), options_.dpi, options_.dpi);
    if (!image.is_valid() || image.width() <= 0 || image.height() <= 0) {
      throw ImageError(what + ": could not be rendered" + poppler_says());
    }
    RgbImage out;
    out.width = image.width(), out.height = image.height();
    out.pixels.resize(static_cast<size_t>(out.width) * out.height * 3);
    for (int y = 0; y < out.height; ++y) {
      const auto* row = reinterpret_cast<const uint8_t*>(image.const_data()) +
                        static_cast<size_t>(y) * image.bytes_per_row();
      std::copy(row, row + out.width * 3,
                out.pixels.begin() + static_cast<size_t>(y) * out.width * 3);
    }
    return out;
  }

  std::string name_;
  DocumentOptions options_;
  std::unique_ptr<poppler::document> doc_;
};

class TiffDocument : public Document {
 public:
  TiffDocument(std::filesystem::path file, const DocumentOptions& options,
               const std::vector<TiffPageSize>& pages)
      : file_(std::move(file)), options_(options), pages_(pages) {
    for (size_t i = 0; i < pages.size(); ++i) {
      check_pixels(pages[i].width, pages[i].height, options.limits,
                   page_name(file_.string(), static_cast<int>(i) + 1));
    }
  }
  int page_count() const override { return static_cast<int>(pages_.size()); }

  DocumentPage read_page(int number) const override {
    const int dpi = number >= 1 && number <= page_count() ? pages_[number - 1].dpi : 0;
    return {decode(number), dpi};
  }

 private:
  RgbImage decode(int number) const {
    // The first page as every single image is read (PIL's conversion, exactly); the others
    // through OpenCV's TIFF decoder, 8-bit colour.
    if (number == 1) return load_image(file_, options_.limits);
    std::vector<cv::Mat> pages;
    if (!cv::imreadmulti(file_.string(), pages, number - 1, 1, cv::IMREAD_COLOR) ||
        pages.size() != 1 || pages[0].empty()) {
      throw ImageError(page_name(file_.string(), number) + ": cannot be decoded");
    }
    return from_mat(pages[0]);
  }

  std::filesystem::path file_;
  DocumentOptions options_;
  std::vector<TiffPageSize> pages_;
};

int parse_number(const std::string& text, const std::string& range) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) {
    throw UsageError("PipelineOptions::pages " + range +
                     ": expected N, N-M, N- or -M with page numbers >= 1");
  }
  return value;
}

}  // namespace

void parse_page_range(const std::string& text, DocumentOptions& options) {
  const size_t dash = text.find('-');
  if (dash == std::string::npos) {
    options.first_page = options.last_page = parse_number(text, text);
    return;
  }
  const std::string first = text.substr(0, dash), last = text.substr(dash + 1);
  if (first.empty() && last.empty()) parse_number("", text);
  options.first_page = first.empty() ? 1 : parse_number(first, text);
  options.last_page = last.empty() ? 0 : parse_number(last, text);
  if (options.last_page && options.last_page < options.first_page) {
    throw UsageError("PipelineOptions::pages " + text + ": the last page comes before the first");
  }
}

std::unique_ptr<Document> open_document(const std::filesystem::path& file,
                                        const DocumentOptions& options) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (!ec && size > options.limits.max_file_bytes) {
    throw ImageError(file.string() + ": " + std::to_string(size) + " bytes, more than the limit");
  }
  const std::string head = ec ? std::string() : head_of(file);
  if (head.rfind("%PDF-", 0) == 0) return std::make_unique<PdfDocument>(file, options);
  if (head.rfind("II*", 0) == 0 || head.rfind(std::string("MM\0*", 4), 0) == 0) {
    const auto pages = tiff_pages(file, options.max_pages);
    if (pages && pages->size() > 1) return std::make_unique<TiffDocument>(file, options, *pages);
    if (pages) return std::make_unique<ImageDocument>(file, options.limits, pages->front().dpi);
  }
  return std::make_unique<ImageDocument>(file, options.limits);
}

std::pair<int, int> selected_pages(const Document& doc, const DocumentOptions& options,
                                   const std::string& file) {
  const int count = doc.page_count();
  if (!doc.paged()) return {1, count};
  const int last = options.last_page ? std::min(options.last_page, count) : count;
  if (options.first_page > last) {
    throw ImageError(file + ": PipelineOptions::pages selects no page of its " +
                     std::to_string(count));
  }
  return {options.first_page, last};
}

}  // namespace mlxocr
