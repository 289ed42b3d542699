// Images in memory and the loader that turns any supported file into the RGB image PIL would give.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mlxocr {

// An 8-bit RGB image in memory: row-major, interleaved (HWC), `pixels.size() == width*height*3`.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;
};

// Bounds applied to untrusted image files before anything large is allocated.
struct ImageLimits {
  // Largest width*height accepted, read from the file header before decoding (2^28 ≈ 268
  // megapixels, about 800 MB of RGB).
  uint64_t max_pixels = uint64_t{1} << 28;
  // Largest file read into memory.
  uint64_t max_file_bytes = uint64_t{1} << 30;
};

// Loads a PNG, JPEG, TIFF, BMP or WebP file (8 or 16 bits; gray, gray+alpha, RGB, RGBA,
// palette, bilevel) and converts it to RGB exactly as `PIL.Image.open(file).convert("RGB")`
// does. That is what TrOCR users feed TrOCRProcessor, and also what transformers'
// `convert_to_rgb` does (4.53 calls `.convert("RGB")`; it does not composite over white):
//   - alpha is dropped, not composited: RGB under transparent pixels is kept as stored;
//   - gray is replicated into R, G and B; palette entries are looked up;
//   - 16-bit RGB(A) and gray+alpha keep the high byte (PIL unpacks them to 8 bits on open);
//   - 16-bit gray (PIL mode "I;16") is clipped, not scaled: values above 255 become 255;
//   - EXIF orientation is ignored (Image.open does not apply it).
// The header is read first: zero-byte, unknown, truncated or oversized files (width*height
// above `limits.max_pixels`) are refused before decoding. Throws ImageError naming the file
// and the problem (FileError if the file cannot be read at all).
RgbImage load_image(const std::filesystem::path& file, const ImageLimits& limits = {});

// The same for a file already in memory; `name_for_errors` names it in messages.
RgbImage decode_image(std::string_view bytes, const std::string& name_for_errors,
                      const ImageLimits& limits = {});

}  // namespace mlxocr
