// Reading image dimensions from file headers, so that a decompression bomb is refused before
// a decoder allocates anything, and checking that PNG/JPEG/BMP files are not cut short.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mlxocr {

enum class ImageFormat { kPng, kJpeg, kBmp, kTiff, kWebp };

const char* image_format_name(ImageFormat format);

struct ImageHeader {
  ImageFormat format = ImageFormat::kPng;
  uint64_t width = 0, height = 0;
  // PNG only (IHDR); -1 / 0 otherwise.
  int png_color_type = -1;
  int png_bit_depth = 0;
  // JPEG only: start-of-scan markers up to EOI (1 for a baseline file).
  int jpeg_scans = 0;
};

// Identifies the format from the signature and reads the dimensions. For PNG and JPEG it also
// walks the chunk/marker structure to the end (IEND / EOI) and for uncompressed BMP checks the
// pixel array fits, so truncated files are reported as such rather than half-decoded.
// Throws ImageError "<name>: <problem>" for empty, unknown, truncated or malformed headers and
// zero dimensions. Does not apply size limits.
ImageHeader read_image_header(std::string_view bytes, const std::string& name);

}  // namespace mlxocr
