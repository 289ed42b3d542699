#include "pipeline/page_resolution.h"

#include <cmath>
#include <optional>
#include <string>

#include "core/file_util.h"
#include "image/image_resolution.h"

namespace mlxocr {

int page_dpi(const Document& doc, const std::filesystem::path& file, int page,
             std::uintmax_t max_file_bytes) {
  if (doc.dpi() > 0) return doc.dpi();
  // Paged documents other than PDFs are TIFFs; a single image's format is found by its header.
  const std::optional<Resolution> found =
      doc.paged() ? tiff_resolution(file, page) : image_resolution(read_file(file, max_file_bytes));
  return found ? static_cast<int>(std::lround(found->y)) : 0;
}

}  // namespace mlxocr
