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

struct ImageHeader;

// The pixel budget every image loader applies unless told otherwise: PIL's own
// Image.MAX_IMAGE_PIXELS (89,478,485 = 2^30 / 4 / 3, about 0.25 GiB of RGB), where PIL starts
// to warn of a decompression bomb. It holds an A3 page scanned at 600 dpi (70 Mpx); a 16000x16000
// JPEG declared by a 1 KB file does not get decoded.
inline constexpr uint64_t kDefaultMaxPixels = 89478485;
// Scans a progressive JPEG may have. Every scan is a pass over the whole coefficient buffer,
// so thousands of tiny scans cost minutes; libjpeg's standard progression uses 10 (colour) or 6
// (gray) and jpegtran/mozjpeg scripts rarely more than ~20. libjpeg-turbo suggests 500 as an
// upper bound for a "reasonable" limit (TJPARAM_SCANLIMIT); 100 leaves 5x the usual.
inline constexpr int kMaxJpegScans = 100;

// The process-wide pixel budget: kDefaultMaxPixels until the CLI's --max-pixels (or an embedder)
// sets it. Every loader (images, templates, dataset checks) starts from it.
uint64_t default_max_pixels();
void set_default_max_pixels(uint64_t pixels);

// Bounds applied to untrusted image files before anything large is allocated.
struct ImageLimits {
  // Largest width*height accepted, read from the file header before decoding.
  uint64_t max_pixels = default_max_pixels();
  // Largest file read into memory.
  uint64_t max_file_bytes = uint64_t{1} << 30;
};

// Throws LimitError naming `name`, the header field and the limit when the header declares more
// pixels than `limits.max_pixels` (or a side beyond INT_MAX) or a JPEG with more scans than
// kMaxJpegScans. Overflow-safe for any 64-bit sizes a header may declare.
void check_image_limits(const ImageHeader& header, const std::string& name,
                        const ImageLimits& limits);

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
// above `limits.max_pixels`, too many progressive scans) are refused before decoding. Throws
// ImageError naming the file and the problem (FileError if the file cannot be read at all).
RgbImage load_image(const std::filesystem::path& file, const ImageLimits& limits = {});

// The same for a file already in memory; `name_for_errors` names it in messages.
RgbImage decode_image(std::string_view bytes, const std::string& name_for_errors,
                      const ImageLimits& limits = {});

}  // namespace mlxocr
