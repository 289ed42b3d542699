// Documents of pages: a PDF (each page rasterised by poppler), every page of a multi-page TIFF,
// or one image file of any supported format. Limits are checked before anything is decoded or
// rendered: the page count, and each page's pixels (for a PDF: its size in points x dpi).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "image/image.h"

namespace mlxocr {

struct DocumentOptions {
  int dpi = 300;       // PDF pages are rendered at this resolution
  int first_page = 1;  // 1-based, inclusive
  int last_page = 0;   // 0: the last page
  ImageLimits limits;  // per page; max_file_bytes for the whole file
  // A document claiming more pages than this is refused as broken or hostile (a real 10000-
  // page scan is split before OCR; --pages cannot help since the claim itself is the problem).
  int max_pages = 10000;
};

// Parses "N", "N-M", "N-" or "-M" (1-based, inclusive) into options.first_page/last_page;
// throws UsageError on anything else.
void parse_page_range(const std::string& text, DocumentOptions& options);

class Document {
 public:
  virtual ~Document() = default;
  // Pages in the file (before --pages).
  virtual int page_count() const = 0;
  // Page `number` (1-based) as RGB. Throws ImageError naming the file and page.
  virtual RgbImage page(int number) const = 0;
  // The resolution the page was rendered at, 0 when the file gives none we trust.
  virtual int dpi() const { return 0; }
  // A PDF or a multi-page TIFF, to which a page range applies; single images are read whole.
  virtual bool paged() const { return true; }
};

// Opens `file` by its content (not its name): "%PDF-" is a PDF, a TIFF header a TIFF (every
// page), anything else one image through load_image. Throws ImageError / FileError naming the
// file: unreadable, encrypted, broken, too many pages or a page over the pixel budget.
std::unique_ptr<Document> open_document(const std::filesystem::path& file,
                                        const DocumentOptions& options);

// The pages of `doc` that options' range selects, as [first, last] clipped to the document
// (all of a single image); throws ImageError naming `file` when the range selects none.
std::pair<int, int> selected_pages(const Document& doc, const DocumentOptions& options,
                                   const std::string& file);

}  // namespace mlxocr
