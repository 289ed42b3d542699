#include "image/image_resolution.h"

#include <tiffio.h>

#include <cmath>
#include <cstdint>
#include <memory>

namespace mlxocr {

namespace {

uint32_t be(std::string_view bytes, size_t pos, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i)
    v = (v << 8) | static_cast<unsigned char>(bytes[pos + i]);
  return v;
}

std::optional<Resolution> trusted(double x, double y) {
  auto ok = [](double v) { return v >= kMinTrustedDpi && v <= kMaxTrustedDpi; };
  if (!ok(x) || !ok(y)) return std::nullopt;
  return Resolution{x, y};
}

// Per metre or per cm cannot say 300 dpi exactly (11811 px/m is 299.9994 dpi): whole dpi, as
// leptonica rounds them too.
double metric_to_dpi(double per_unit, double units_per_inch) {
  return std::round(per_unit * units_per_inch);
}

std::optional<Resolution> png_resolution(std::string_view bytes) {
  for (size_t pos = 8; pos + 12 <= bytes.size();) {
    const uint32_t length = be(bytes, pos, 4);
    const std::string_view type = bytes.substr(pos + 4, 4);
    if (type == "IDAT" || length > bytes.size() - pos - 12) break;  // pHYs precedes the data
    if (type == "pHYs" && length == 9 && bytes[pos + 16] == 1) {    // unit 1: the metre
      return trusted(metric_to_dpi(be(bytes, pos + 8, 4), 0.0254),
                     metric_to_dpi(be(bytes, pos + 12, 4), 0.0254));
    }
    pos += 12 + length;
  }
  return std::nullopt;
}

// Calls `segment(marker, data)` for each JPEG marker segment up to the first scan.
template <typename F>
void jpeg_segments(std::string_view bytes, F segment) {
  for (size_t pos = 2; pos + 4 <= bytes.size();) {
    if (static_cast<unsigned char>(bytes[pos]) != 0xFF) return;
    const auto marker = static_cast<unsigned char>(bytes[pos + 1]);
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += 2;
      continue;
    }
    const uint32_t length = be(bytes, pos + 2, 2);
    if (length < 2 || pos + 2 + length > bytes.size()) return;
    if (!segment(marker, bytes.substr(pos + 4, length - 2)) || marker == 0xDA) return;
    pos += 2 + length;
  }
}

std::optional<Resolution> jfif_resolution(std::string_view bytes) {
  std::optional<Resolution> found;
  jpeg_segments(bytes, [&](unsigned char marker, std::string_view data) {
    if (marker != 0xE0 || data.size() < 12 || data.substr(0, 5) != std::string_view("JFIF\0", 5))
      return true;
    const int units = static_cast<unsigned char>(data[7]);
    if (units == 1) found = trusted(be(data, 8, 2), be(data, 10, 2));  // 0: an aspect ratio only
    if (units == 2)
      found = trusted(metric_to_dpi(be(data, 8, 2), 2.54), metric_to_dpi(be(data, 10, 2), 2.54));
    return false;
  });
  return found;
}

bool is_jpeg(std::string_view bytes) {
  return bytes.size() > 4 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == 0xD8;
}

}  // namespace

std::optional<Resolution> image_resolution(std::string_view bytes) {
  if (bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return png_resolution(bytes);
  if (is_jpeg(bytes)) return jfif_resolution(bytes);
  return std::nullopt;
}

std::optional<Resolution> tiff_resolution(const std::filesystem::path& file, int page) {
  TIFFSetErrorHandler(nullptr);
  TIFFSetWarningHandler(nullptr);
  std::unique_ptr<TIFF, decltype(&TIFFClose)> tiff(TIFFOpen(file.c_str(), "r"), TIFFClose);
  if (!tiff || page < 1 || !TIFFSetDirectory(tiff.get(), static_cast<tdir_t>(page - 1))) {
    return std::nullopt;
  }
  float x = 0, y = 0;
  uint16_t unit = RESUNIT_INCH;
  if (!TIFFGetField(tiff.get(), TIFFTAG_XRESOLUTION, &x) ||
      !TIFFGetField(tiff.get(), TIFFTAG_YRESOLUTION, &y)) {
    return std::nullopt;
  }
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_RESOLUTIONUNIT, &unit);
  return tiff_tag_resolution(x, y, unit);
}

std::optional<Resolution> tiff_tag_resolution(double x, double y, int unit) {
  if (unit == RESUNIT_CENTIMETER) return trusted(metric_to_dpi(x, 2.54), metric_to_dpi(y, 2.54));
  if (unit == RESUNIT_INCH) return trusted(x, y);
  return std::nullopt;
}

std::optional<JpegFrame> embeddable_jpeg_frame(std::string_view bytes) {
  if (!is_jpeg(bytes)) return std::nullopt;
  std::optional<JpegFrame> frame;
  jpeg_segments(bytes, [&](unsigned char marker, std::string_view data) {
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (!sof) return true;
    // Baseline (C0), extended (C1) and progressive (C2) Huffman; not lossless or arithmetic.
    const bool huffman = marker <= 0xC2;
    if (huffman && data.size() >= 6 && data[0] == 8) {
      JpegFrame f{static_cast<int>(be(data, 3, 2)), static_cast<int>(be(data, 1, 2)),
                  static_cast<unsigned char>(data[5])};
      if (f.width > 0 && f.height > 0 && (f.components == 1 || f.components == 3)) frame = f;
    }
    return false;
  });
  return frame;
}

}  // namespace mlxocr
