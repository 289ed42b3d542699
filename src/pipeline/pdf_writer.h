// Searchable PDF output: each page is the page image drawn full-page with an invisible text
// layer over it (pdf_text.h), so that a PDF viewer's search and selection find the words
// where they are on the image. One file per input document, pages added one at a time and
// compressed at once (a 300-page scan never sits in memory as pixels).
//
//   SearchablePdf pdf;
//   for (each page) pdf.add_page(result, PdfPageImage::from_pixels(image, dpi, dpi));
//   write_file_atomic("out.pdf", pdf.finish());
#pragma once

#include <string>

#include "image/image.h"
#include "mlxocr/pipeline.h"
#include "pipeline/pdf_objects.h"
#include "pipeline/pdf_text.h"

namespace mlxocr {

// The picture of one page and its resolution (page size in points = pixels * 72 / dpi).
struct PdfPageImage {
  int width = 0, height = 0;
  double dpi_x = 300, dpi_y = 300;
  // A JPEG file's own bytes, embedded as they are (DCTDecode: no second lossy compression);
  // `jpeg_components` 1 (gray) or 3 (colour). Empty: `pixels` are embedded losslessly (Flate,
  // DeviceGray when every pixel is gray).
  std::string jpeg;
  int jpeg_components = 3;
  const RgbImage* pixels = nullptr;
};

class SearchablePdf {
 public:
  SearchablePdf();
  // Adds a page: `image` full-page, and `result`'s text over it (none when the page failed;
  // boxes are in `result.width` x `result.height` pixels, scaled to the image if it differs).
  // Throws std::invalid_argument for an image without pixels or a resolution <= 0.
  void add_page(const PageResult& result, const PdfPageImage& image);
  int pages() const { return static_cast<int>(page_ids_.size()); }
  // The file; the writer is spent afterwards.
  std::string finish();

 private:
  int add_image(const PdfPageImage& image);
  void write_fonts();

  PdfObjects objects_;
  PdfCharCodes codes_;
  int catalog_ = 0, pages_ = 0, info_ = 0, font_ = 0, cid_font_ = 0, descriptor_ = 0;
  int font_file_ = 0, cid_to_gid_ = 0, to_unicode_ = 0;
  std::vector<int> page_ids_;
};

}  // namespace mlxocr
