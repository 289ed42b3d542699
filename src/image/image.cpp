#include "image/image.h"

#include <atomic>
#include <climits>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/file_util.h"
#include "image/image_header.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"

namespace mlxocr {

namespace {

std::string dims(uint64_t width, uint64_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

// OpenCV decodes into B,G,R(,A) order at the file's bit depth (IMREAD_UNCHANGED); this turns
// that into the RGB bytes of PIL's `.convert("RGB")`. See load_image in image.h for the rules.
RgbImage to_rgb_like_pil(const cv::Mat& m, const ImageHeader& header, const std::string& name) {
  const int channels = m.channels();
  const int depth = m.depth();
  if ((depth != CV_8U && depth != CV_16U) || (channels != 1 && channels != 3 && channels != 4)) {
    throw ImageError(name + ": unsupported pixel format (" + std::to_string(channels) +
                     " channels of OpenCV depth " + std::to_string(depth) +
                     "); expected 8- or 16-bit gray, RGB or RGBA");
  }
  // PIL opens 16-bit gray PNG/TIFF as mode "I;16" and converts it to 8 bits by clipping;
  // OpenCV returns a 16-bit gray PNG that has a tRNS colour key as BGRA with B=G=R=gray.
  const bool gray16 =
      depth == CV_16U &&
      (channels == 1 || (header.format == ImageFormat::kPng && header.png_color_type == 0));
  RgbImage out;
  out.width = m.cols;
  out.height = m.rows;
  out.pixels.resize(static_cast<size_t>(m.cols) * m.rows * 3);
  uint8_t* dst = out.pixels.data();
  for (int y = 0; y < m.rows; ++y) {
    if (depth == CV_8U) {
      const uint8_t* src = m.ptr<uint8_t>(y);
      for (int x = 0; x < m.cols; ++x, src += channels, dst += 3) {
        if (channels == 1) {
          dst[0] = dst[1] = dst[2] = src[0];
        } else {
          dst[0] = src[2];
          dst[1] = src[1];
          dst[2] = src[0];
        }
      }
    } else {
      const uint16_t* src = m.ptr<uint16_t>(y);
      for (int x = 0; x < m.cols; ++x, src += channels, dst += 3) {
        if (gray16) {
          dst[0] = dst[1] = dst[2] = static_cast<uint8_t>(src[0] > 255 ? 255 : src[0]);
        } else {
          // PIL's "RGB;16B"/"RGBA;16B"/"LA;16B" unpackers keep the most significant byte.
          dst[0] = static_cast<uint8_t>(src[2] >> 8);
          dst[1] = static_cast<uint8_t>(src[1] >> 8);
          dst[2] = static_cast<uint8_t>(src[0] >> 8);
        }
      }
    }
  }
  return out;
}

std::atomic<uint64_t>& pixel_budget() {
  static std::atomic<uint64_t> budget{kDefaultMaxPixels};
  return budget;
}

}  // namespace

uint64_t default_max_pixels() {
  return pixel_budget().load();
}

void set_default_max_pixels(uint64_t pixels) {
  pixel_budget().store(pixels);
}

void check_image_limits(const ImageHeader& header, const std::string& name,
                        const ImageLimits& limits) {
  const char* format = image_format_name(header.format);
  // Sides are checked first so that the product cannot overflow (each is below 2^31).
  if (header.width > INT_MAX || header.height > INT_MAX ||
      header.width * header.height > limits.max_pixels) {
    throw LimitError(name, std::string(format) + " header",
                     "declares " + dims(header.width, header.height) + " = " +
                         (header.width > INT_MAX || header.height > INT_MAX
                              ? std::string("more than 2^62")
                              : std::to_string(header.width * header.height)) +
                         " pixels; refused before decoding (--max-pixels raises the budget)",
                     std::to_string(limits.max_pixels) + " pixels");
  }
  if (header.jpeg_scans > kMaxJpegScans) {
    throw LimitError(name, "JPEG scans",
                     "a progressive JPEG of " + std::to_string(header.jpeg_scans) +
                         " scans; refused before decoding",
                     std::to_string(kMaxJpegScans) + " scans");
  }
}

RgbImage decode_image(std::string_view bytes, const std::string& name_for_errors,
                      const ImageLimits& limits) {
  const std::string& name = name_for_errors;
  const ImageHeader header = read_image_header(bytes, name);
  const char* format = image_format_name(header.format);
  check_image_limits(header, name, limits);
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    throw ImageError(name + ": " + std::to_string(bytes.size()) + " bytes is too large to decode");
  }
  cv::Mat decoded;
  try {
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
    decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw ImageError(name + ": cannot decode " + format + ": " + e.what());
  }
  if (decoded.empty()) {
    throw ImageError(name + ": cannot decode " + format + " (corrupt or truncated data)");
  }
  if (static_cast<uint64_t>(decoded.cols) != header.width ||
      static_cast<uint64_t>(decoded.rows) != header.height) {
    throw ImageError(name + ": decoded " + format + " is " + dims(decoded.cols, decoded.rows) +
                     " but its header says " + dims(header.width, header.height));
  }
  return to_rgb_like_pil(decoded, header, name);
}

RgbImage load_image(const std::filesystem::path& file, const ImageLimits& limits) {
  const std::string bytes = read_file(file, limits.max_file_bytes);
  return decode_image(bytes, file.string(), limits);
}

}  // namespace mlxocr
