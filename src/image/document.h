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

// A page as decoded, with the resolution it comes with, for the layout analysis (Tesseract's
// column and line finding scale with it, so a guessed one is worse than none: bench/PAGES.md,
// avicanon-006): a PDF's rendering resolution; else what the file says (PNG pHYs, JPEG JFIF
// density, TIFF tags; the vertical one, as Tesseract reads it), rounded to whole dpi; 0 when it
// says nothing we trust (image/image_resolution.h). Taken from the bytes the page is decoded
// from, or the TIFF directories read when the document was opened: no second read.
struct DocumentPage {
  RgbImage image;
  int dpi = 0;
};

class Document {
 public:
  virtual ~Document() = default;
  // Pages in the file (before --pages).
  virtual int page_count() const = 0;
  // Page `number` (1-based) with its resolution. Throws ImageError naming the file and page.
  virtual DocumentPage read_page(int number) const = 0;
  // Page `number` as RGB (read_page's image).
  RgbImage page(int number) const { return read_page(number).image; }
  // The resolution every page is rendered at (a PDF's), 0 when the file decides.
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
