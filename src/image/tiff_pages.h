// The pages of a TIFF file as libtiff lists them, read before any page is decoded. Kept apart
// from OpenCV: libtiff's headers deprecate the int64/uint64 names OpenCV's use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace mlxocr {

struct TiffPageSize {
  uint32_t width = 0, height = 0;
  int dpi = 0;  // the vertical resolution tag in whole dpi; 0: none we trust (tiff_tag_resolution)
};

// Every page's size and resolution; stops with an ImageError naming the file when a page's
// directory is broken or when there are more than `max_pages`. std::nullopt when libtiff cannot
// open the file at all (the single-image loader then says what is wrong with it).
std::optional<std::vector<TiffPageSize>> tiff_pages(const std::filesystem::path& file,
                                                    int max_pages);

}  // namespace mlxocr
