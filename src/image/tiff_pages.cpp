#include "image/tiff_pages.h"

#include <tiffio.h>

#include <cmath>
#include <memory>
#include <string>

#include "image/image_resolution.h"
#include "mlxocr/error.h"

namespace mlxocr {

std::optional<std::vector<TiffPageSize>> tiff_pages(const std::filesystem::path& file,
                                                    int max_pages) {
  // libtiff's handlers print to stderr; our errors name the file instead.
  TIFFSetErrorHandler(nullptr);
  TIFFSetWarningHandler(nullptr);
  std::unique_ptr<TIFF, decltype(&TIFFClose)> tiff(TIFFOpen(file.c_str(), "r"), TIFFClose);
  if (!tiff) return std::nullopt;
  std::vector<TiffPageSize> pages;
  while (true) {
    if (static_cast<int>(pages.size()) >= max_pages) {
      throw ImageError(file.string() + ": more than " + std::to_string(max_pages) +
                       " pages, more than mlxocr reads from one document");
    }
    TiffPageSize size;
    TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &size.width);
    TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &size.height);
    float x = 0, y = 0;
    uint16_t unit = RESUNIT_INCH;
    if (TIFFGetField(tiff.get(), TIFFTAG_XRESOLUTION, &x) &&
        TIFFGetField(tiff.get(), TIFFTAG_YRESOLUTION, &y)) {
      TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_RESOLUTIONUNIT, &unit);
      const auto found = tiff_tag_resolution(x, y, unit);
      if (found) size.dpi = static_cast<int>(std::lround(found->y));
    }
    pages.push_back(size);
    if (TIFFLastDirectory(tiff.get())) break;
    if (!TIFFReadDirectory(tiff.get())) {
      throw ImageError(file.string() + " page " + std::to_string(pages.size() + 1) +
                       ": broken TIFF directory");
    }
  }
  return pages;
}

}  // namespace mlxocr
