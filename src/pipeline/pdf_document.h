// The searchable PDF of one input file: its pages' results over its pages' images, reopened
// from the file one at a time (the pipeline keeps no pixels).
#pragma once

#include <string>
#include <vector>

#include "image/document.h"
#include "mlxocr/pipeline.h"

namespace mlxocr {

struct SearchablePdfFile {
  std::string bytes;                  // empty when no page could be drawn
  int pages = 0;                      // pages in it
  std::vector<std::string> problems;  // one line per page left out, naming the file and page
};

// `pages` are the results of one file (`pages[i]->source` is that file), in page order.
// Resolution of each page: a PDF's pages were rendered at options.dpi; an image or TIFF page at
// the resolution its file gives (PNG pHYs, JPEG JFIF, TIFF X/YResolution), else 300 dpi.
// A single-page JPEG whose frame PDF reads as we do is embedded as its own bytes; every other
// page losslessly. A page whose reading failed (result.error) is drawn without text; a page
// whose image cannot be read again is left out, and named in `problems` unless its own failure
// (result.error, reported with the results) already says why; likewise a file that cannot be
// opened again.
SearchablePdfFile searchable_pdf(const std::vector<const PageResult*>& pages,
                                 const DocumentOptions& options);

}  // namespace mlxocr
