#include "pipeline/pdf_document.h"

#include <algorithm>

#include "core/file_util.h"
#include "image/image_resolution.h"
#include "mlxocr/error.h"
#include "pipeline/pdf_writer.h"

namespace mlxocr {

namespace {

constexpr double kDefaultDpi = 300;  // scanners' usual resolution, and Tesseract's assumption

bool is_tiff(const std::string& bytes) {
  return bytes.rfind("II*", 0) == 0 || bytes.rfind(std::string("MM\0*", 4), 0) == 0;
}

// The file's bytes for a single image (needed for its resolution and a JPEG's own bytes);
// documents are read page by page instead.
std::string single_image_bytes(const Document& doc, const std::string& file,
                               const DocumentOptions& options) {
  if (doc.paged()) return "";
  return read_file(file, options.limits.max_file_bytes);
}

Resolution resolution_of(const Document& doc, const std::string& file, const std::string& bytes,
                         int page) {
  if (doc.dpi() > 0) return {double(doc.dpi()), double(doc.dpi())};
  std::optional<Resolution> found = bytes.empty() ? std::nullopt : image_resolution(bytes);
  if (!found && (bytes.empty() || is_tiff(bytes))) found = tiff_resolution(file, page);
  return found.value_or(Resolution{kDefaultDpi, kDefaultDpi});
}

}  // namespace

SearchablePdfFile searchable_pdf(const std::vector<const PageResult*>& pages,
                                 const DocumentOptions& options) {
  SearchablePdfFile out;
  if (pages.empty()) return out;
  const std::string file = pages.front()->source;
  std::unique_ptr<Document> doc;
  std::string bytes;
  try {
    doc = open_document(file, options);
    bytes = single_image_bytes(*doc, file, options);
  } catch (const Error& e) {
    // A file the pipeline could not open either has been reported already, page by page.
    const bool all_failed = std::all_of(pages.begin(), pages.end(),
                                        [](const PageResult* p) { return !p->error.empty(); });
    if (!all_failed) out.problems.push_back(std::string("searchable PDF of ") + e.what());
    return out;
  }
  SearchablePdf pdf;
  for (const PageResult* result : pages) {
    const Resolution dpi = resolution_of(*doc, file, bytes, result->page);
    PdfPageImage image;
    image.dpi_x = dpi.x, image.dpi_y = dpi.y;
    const auto jpeg = bytes.empty() ? std::nullopt : embeddable_jpeg_frame(bytes);
    RgbImage pixels;
    if (jpeg && result->error.empty() && jpeg->width == result->width &&
        jpeg->height == result->height) {
      image.width = jpeg->width, image.height = jpeg->height;
      image.jpeg = bytes;
      image.jpeg_components = jpeg->components;
    } else {
      try {
        pixels = doc->page(result->page);
      } catch (const Error& e) {
        // Named unless the page's own failure (reported with the results) already says why.
        if (result->error.empty()) {
          out.problems.push_back(std::string("searchable PDF: page left out: ") + e.what());
        }
        continue;
      }
      image.width = pixels.width, image.height = pixels.height;
      image.pixels = &pixels;
    }
    pdf.add_page(*result, image);
  }
  out.pages = pdf.pages();
  if (out.pages > 0) out.bytes = pdf.finish();
  return out;
}

}  // namespace mlxocr
