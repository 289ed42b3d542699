// What an image file says about itself beyond its pixels, read from its header without
// decoding: the resolution it was scanned at, and a JPEG's frame (for embedding it as is).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace mlxocr {

struct Resolution {
  double x = 0, y = 0;  // dots per inch
};

// Resolutions outside this range are treated as absent: 0 or 1 dpi are "unknown" in practice,
// and a page size computed from them would be absurd.
inline constexpr double kMinTrustedDpi = 10, kMaxTrustedDpi = 10000;

// A PNG's pHYs chunk (in pixels per metre) or a JPEG's JFIF density (per inch or per cm; metric
// densities rounded to whole dpi);
// std::nullopt for other formats, no such field, an aspect ratio only, or a value out of range.
std::optional<Resolution> image_resolution(std::string_view bytes);

// A TIFF's XResolution / YResolution tags in their ResolutionUnit (2: inch, 3: centimetre; 1 is
// "no absolute unit": std::nullopt, as for values out of range).
std::optional<Resolution> tiff_tag_resolution(double x, double y, int unit);

// Page `page` (1-based) of a TIFF: XResolution / YResolution in ResolutionUnit (inch or cm);
// std::nullopt when absent, "no absolute unit", out of range, or the file cannot be read.
std::optional<Resolution> tiff_resolution(const std::filesystem::path& file, int page);

// A JPEG's frame header, when it is one that PDF's DCTDecode reads as our decoder does:
// baseline or progressive Huffman coding, 8 bits, 1 (gray) or 3 (colour) components.
struct JpegFrame {
  int width = 0, height = 0, components = 0;
};
std::optional<JpegFrame> embeddable_jpeg_frame(std::string_view bytes);

}  // namespace mlxocr
