#include "image/image_header.h"

#include <array>
#include <climits>

#include "mlxocr/error.h"

namespace mlxocr {

namespace {

// Big/little-endian reads of the file; callers check `fits` before reading.
class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  size_t size() const { return data_.size(); }
  bool fits(uint64_t offset, uint64_t length) const {
    return offset <= data_.size() && length <= data_.size() - offset;
  }
  uint8_t u8(size_t at) const { return static_cast<uint8_t>(data_[at]); }
  uint32_t be(size_t at, int n) const {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i)
      v = (v << 8) | u8(at + i);
    return v;
  }
  uint64_t le(size_t at, int n) const {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
      v = (v << 8) | u8(at + i);
    return v;
  }
  uint64_t read(size_t at, int n, bool little) const { return little ? le(at, n) : be(at, n); }
  bool starts_with(size_t at, std::string_view s) const {
    return fits(at, s.size()) && data_.substr(at, s.size()) == s;
  }

 private:
  std::string_view data_;
};

[[noreturn]] void fail(const std::string& name, const std::string& problem) {
  throw ImageError(name + ": " + problem);
}

uint32_t crc32(const uint8_t* data, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i)
    c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

ImageHeader png_header(const Bytes& b, std::string_view raw, const std::string& name) {
  // Signature (8), then IHDR: length 13, "IHDR", 13 bytes, CRC.
  if (!b.fits(8, 8 + 13 + 4)) fail(name, "truncated PNG (the file ends inside the IHDR header)");
  if (b.be(8, 4) != 13 || !b.starts_with(12, "IHDR"))
    fail(name, "malformed PNG (no IHDR chunk first)");
  const uint32_t stored_crc = b.be(8 + 8 + 13, 4);
  if (crc32(reinterpret_cast<const uint8_t*>(raw.data()) + 12, 4 + 13) != stored_crc) {
    fail(name, "malformed PNG (IHDR checksum mismatch)");
  }
  ImageHeader h;
  h.format = ImageFormat::kPng;
  h.width = b.be(16, 4);
  h.height = b.be(20, 4);
  h.png_bit_depth = b.u8(24);
  h.png_color_type = b.u8(25);
  // Walk the chunks to IEND: a file cut anywhere before it is truncated.
  size_t at = 8;
  bool seen_idat = false;
  for (;;) {
    if (!b.fits(at, 8)) fail(name, "truncated PNG (the file ends before the IEND chunk)");
    const uint32_t length = b.be(at, 4);
    if (length > 0x7FFFFFFFu) fail(name, "malformed PNG (chunk length out of range)");
    if (!b.fits(at, uint64_t{12} + length)) {
      fail(name, "truncated PNG (the file ends inside a chunk, before IEND)");
    }
    if (b.starts_with(at + 4, "IDAT")) seen_idat = true;
    if (b.starts_with(at + 4, "IEND")) break;
    at += 12 + static_cast<size_t>(length);
  }
  if (!seen_idat) fail(name, "malformed PNG (no image data chunk)");
  return h;
}

bool is_jpeg_sof(uint8_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

ImageHeader jpeg_header(const Bytes& b, const std::string& name) {
  ImageHeader h;
  h.format = ImageFormat::kJpeg;
  bool seen_sof = false;
  size_t at = 2;  // after SOI
  for (;;) {
    // A marker: 0xFF, optional 0xFF fill bytes, then the marker code. Stray bytes before a
    // marker are skipped, as libjpeg does (with a warning) and so PIL accepts them.
    while (b.fits(at, 1) && b.u8(at) != 0xFF)
      ++at;
    if (!b.fits(at, 2)) fail(name, "truncated JPEG (the file ends before the end-of-image marker)");
    while (b.fits(at + 1, 1) && b.u8(at + 1) == 0xFF)
      ++at;
    if (!b.fits(at + 1, 1))
      fail(name, "truncated JPEG (the file ends before the end-of-image marker)");
    const uint8_t marker = b.u8(at + 1);
    at += 2;
    if (marker == 0xD9) break;                                           // EOI
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no payload
    if (!b.fits(at, 2)) fail(name, "truncated JPEG (the file ends inside a segment header)");
    const uint32_t length = b.be(at, 2);
    if (length < 2) fail(name, "malformed JPEG (segment length below 2)");
    if (!b.fits(at, length)) fail(name, "truncated JPEG (the file ends inside a segment)");
    if (is_jpeg_sof(marker) && !seen_sof) {
      if (length < 8) fail(name, "malformed JPEG (frame header too short)");
      h.height = b.be(at + 3, 2);
      h.width = b.be(at + 5, 2);
      seen_sof = true;
      if (h.height == 0) fail(name, "unsupported JPEG (height given by a DNL marker)");
    }
    at += length;
    if (marker == 0xDA) {  // SOS: entropy-coded data runs to the next non-RST marker
      if (!seen_sof) fail(name, "malformed JPEG (scan before the frame header)");
      // Counted, not limited, here: the budget is the caller's (check_image_limits). Saturates.
      if (h.jpeg_scans < INT_MAX) ++h.jpeg_scans;
      for (;;) {
        if (!b.fits(at, 2)) fail(name, "truncated JPEG (the file ends inside the compressed data)");
        if (b.u8(at) == 0xFF) {
          const uint8_t next = b.u8(at + 1);
          if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7)) break;
          if (next == 0xFF) {  // fill byte before a marker
            ++at;
            continue;
          }
        }
        ++at;
      }
    }
  }
  if (!seen_sof) fail(name, "malformed JPEG (no frame header)");
  return h;
}

ImageHeader bmp_header(const Bytes& b, const std::string& name) {
  if (!b.fits(0, 26)) fail(name, "truncated BMP (the file ends inside the header)");
  ImageHeader h;
  h.format = ImageFormat::kBmp;
  const uint64_t pixel_offset = b.le(10, 4);
  const uint32_t dib_size = static_cast<uint32_t>(b.le(14, 4));
  uint32_t bits = 0, compression = 0;
  int64_t height = 0;
  if (dib_size == 12) {  // OS/2 BITMAPCOREHEADER
    h.width = b.le(18, 2);
    height = static_cast<int64_t>(b.le(20, 2));
    bits = static_cast<uint32_t>(b.le(24, 2));
  } else if (dib_size >= 16 && dib_size <= 1024) {
    if (!b.fits(0, 34)) fail(name, "truncated BMP (the file ends inside the header)");
    h.width = static_cast<uint64_t>(static_cast<int32_t>(b.le(18, 4)) < 0 ? 0 : b.le(18, 4));
    height = static_cast<int32_t>(b.le(22, 4));
    bits = static_cast<uint32_t>(b.le(28, 2));
    compression = static_cast<uint32_t>(b.le(30, 4));
  } else {
    fail(name, "malformed BMP (unknown header size " + std::to_string(dib_size) + ")");
  }
  // Negative heights mean top-down rows; INT32_MIN has no positive counterpart.
  if (height == INT32_MIN) fail(name, "malformed BMP (height out of range)");
  h.height = static_cast<uint64_t>(height < 0 ? -height : height);
  // Uncompressed (BI_RGB, BI_BITFIELDS): the pixel array must be all there.
  if ((compression == 0 || compression == 3) && bits > 0 && bits <= 32 && h.width > 0 &&
      h.width <= 0x7FFFFFFF && h.height > 0 && h.height <= 0x7FFFFFFF) {
    const uint64_t stride = (h.width * bits + 31) / 32 * 4;
    if (!b.fits(pixel_offset, stride * h.height)) {
      fail(name, "truncated BMP (the pixel data is shorter than the header says)");
    }
  }
  return h;
}

ImageHeader tiff_header(const Bytes& b, const std::string& name) {
  if (!b.fits(0, 8)) fail(name, "not a supported image (too short for a TIFF header)");
  const bool little = b.u8(0) == 'I';
  const uint64_t version = b.read(2, 2, little);
  const bool big = version == 43;
  if (!big && version != 42) {
    fail(name, "not a supported image (expected PNG, JPEG, TIFF, BMP or WebP data)");
  }
  uint64_t ifd = 0;
  if (big) {
    if (!b.fits(0, 16)) fail(name, "truncated TIFF (the file ends inside the header)");
    ifd = b.read(8, 8, little);
  } else {
    if (!b.fits(0, 8)) fail(name, "truncated TIFF (the file ends inside the header)");
    ifd = b.read(4, 4, little);
  }
  const int count_size = big ? 8 : 2, entry_size = big ? 20 : 12, value_at = big ? 12 : 8;
  if (!b.fits(ifd, count_size)) fail(name, "truncated TIFF (the first directory is missing)");
  const uint64_t entries = b.read(ifd, count_size, little);
  if (!b.fits(ifd + count_size, entries * entry_size) || entries > 100000) {
    fail(name, "truncated TIFF (the first directory is cut short)");
  }
  ImageHeader h;
  h.format = ImageFormat::kTiff;
  for (uint64_t i = 0; i < entries; ++i) {
    const size_t e = ifd + count_size + i * entry_size;
    const uint64_t tag = b.read(e, 2, little), type = b.read(e + 2, 2, little);
    if (tag != 256 && tag != 257) continue;
    uint64_t value = 0;
    if (type == 3) {  // SHORT
      value = b.read(e + value_at, 2, little);
    } else if (type == 4) {  // LONG
      value = b.read(e + value_at, 4, little);
    } else if (type == 16 && big) {  // LONG8
      value = b.read(e + value_at, 8, little);
    } else {
      fail(name, "malformed TIFF (image size stored with an unexpected type)");
    }
    (tag == 256 ? h.width : h.height) = value;
  }
  return h;
}

ImageHeader webp_header(const Bytes& b, const std::string& name) {
  if (!b.fits(0, 30)) fail(name, "truncated WebP (the file ends inside the header)");
  if (b.le(4, 4) + 8 > b.size()) fail(name, "truncated WebP (shorter than its RIFF size)");
  ImageHeader h;
  h.format = ImageFormat::kWebp;
  if (b.starts_with(12, "VP8 ")) {
    if (b.u8(23) != 0x9D || b.u8(24) != 0x01 || b.u8(25) != 0x2A) {
      fail(name, "malformed WebP (bad VP8 start code)");
    }
    h.width = b.le(26, 2) & 0x3FFF;
    h.height = b.le(28, 2) & 0x3FFF;
  } else if (b.starts_with(12, "VP8L")) {
    if (b.u8(20) != 0x2F) fail(name, "malformed WebP (bad VP8L signature)");
    const uint64_t bits = b.le(21, 4);
    h.width = (bits & 0x3FFF) + 1;
    h.height = ((bits >> 14) & 0x3FFF) + 1;
  } else if (b.starts_with(12, "VP8X")) {
    h.width = b.le(24, 3) + 1;
    h.height = b.le(27, 3) + 1;
  } else {
    fail(name, "malformed WebP (unknown first chunk)");
  }
  return h;
}

}  // namespace

const char* image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kBmp:
      return "BMP";
    case ImageFormat::kTiff:
      return "TIFF";
    case ImageFormat::kWebp:
      return "WebP";
  }
  return "image";
}

ImageHeader read_image_header(std::string_view bytes, const std::string& name) {
  if (bytes.empty()) fail(name, "empty file (0 bytes), not an image");
  const Bytes b(bytes);
  ImageHeader h;
  if (b.starts_with(0, "\x89PNG\r\n\x1a\n")) {
    h = png_header(b, bytes, name);
  } else if (b.fits(0, 3) && b.u8(0) == 0xFF && b.u8(1) == 0xD8 && b.u8(2) == 0xFF) {
    h = jpeg_header(b, name);
  } else if (b.starts_with(0, "BM")) {
    h = bmp_header(b, name);
  } else if (b.starts_with(0, "II") || b.starts_with(0, "MM")) {
    h = tiff_header(b, name);
  } else if (b.starts_with(0, "RIFF") && b.starts_with(8, "WEBP")) {
    h = webp_header(b, name);
  } else if (b.starts_with(0, "GIF8")) {
    fail(name, "GIF images are not supported (convert to PNG)");
  } else {
    fail(name, "not a supported image (expected PNG, JPEG, TIFF, BMP or WebP data)");
  }
  if (h.width == 0 || h.height == 0) {
    fail(name, std::string("malformed ") + image_format_name(h.format) + " (zero width or height)");
  }
  return h;
}

}  // namespace mlxocr
