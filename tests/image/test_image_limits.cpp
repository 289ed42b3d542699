// Image bombs: small files that declare huge images (a 1 KB JPEG or BMP of 16000x16000, a
// 16-bit PNG of 16384^2) or a progressive JPEG of thousands of scans used to be decoded in full
// (1-3 GB, up to 90 s) and then read. The budget is checked from the header, before decoding,
// and the refusal is a LimitError naming the file, what the header declares and the limit.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <climits>
#include <string>

#include "core/file_util.h"
#include "image/image.h"
#include "image/image_header.h"
#include "image_fixtures.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"

namespace mlxocr {
namespace {

using test::image_fixtures;

std::string fixture_bytes(const std::string& name) {
  return read_file(image_fixtures() / name, 1 << 24);
}

// The offset of each JPEG segment's marker (0xFF, code) up to and including the first SOS.
std::vector<size_t> jpeg_segments(const std::string& jpeg) {
  std::vector<size_t> at;
  size_t i = 2;
  while (i + 4 <= jpeg.size()) {
    at.push_back(i);
    if (static_cast<uint8_t>(jpeg[i + 1]) == 0xDA) break;
    i += 2 + ((static_cast<uint8_t>(jpeg[i + 2]) << 8) | static_cast<uint8_t>(jpeg[i + 3]));
  }
  return at;
}

// `jpeg` with its frame header saying width x height, cut after a few bytes of scan data: a
// file of a few KB that declares any size.
std::string jpeg_declaring(const std::string& jpeg, uint16_t width, uint16_t height) {
  std::string out;
  for (size_t at : jpeg_segments(jpeg)) {
    const uint8_t code = static_cast<uint8_t>(jpeg[at + 1]);
    if (code == 0xC0 || code == 0xC2) {
      out = jpeg;
      out[at + 5] = static_cast<char>(height >> 8), out[at + 6] = static_cast<char>(height);
      out[at + 7] = static_cast<char>(width >> 8), out[at + 8] = static_cast<char>(width);
    }
    if (code == 0xDA) {
      const size_t length = (static_cast<uint8_t>(jpeg[at + 2]) << 8) | uint8_t(jpeg[at + 3]);
      return out.substr(0, at + 2 + length) + std::string("\x12\x34\xFF\xD9", 4);
    }
  }
  ADD_FAILURE() << "no SOF/SOS in the fixture";
  return "";
}

// A progressive JPEG with `scans` start-of-scan segments (each with one byte of data).
std::string jpeg_with_scans(const std::string& progressive, int scans) {
  const std::vector<size_t> segments = jpeg_segments(progressive);
  const size_t sos = segments.back();
  const size_t length =
      (static_cast<uint8_t>(progressive[sos + 2]) << 8) | uint8_t(progressive[sos + 3]);
  std::string out = progressive.substr(0, sos);
  const std::string scan = progressive.substr(sos, 2 + length) + std::string(1, '\0');
  for (int i = 0; i < scans; ++i)
    out += scan;
  return out + "\xFF\xD9";
}

// A PNG fixture's IHDR rewritten to width x height (CRC recomputed), IDAT kept.
std::string png_declaring(const std::string& png, uint32_t width, uint32_t height) {
  std::string out = png;
  auto put_be = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i)
      out[at + i] = static_cast<char>(v >> (24 - 8 * i));
  };
  put_be(16, width);
  put_be(20, height);
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 12; i < 12 + 17; ++i) {
    c ^= static_cast<uint8_t>(out[i]);
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  put_be(29, c ^ 0xFFFFFFFFu);
  return out;
}

// A 1 KB RLE8 BMP declaring width x height (RLE has no fixed pixel array to check the size of).
std::string bmp_declaring(int32_t width, int32_t height) {
  std::string bmp(1024, '\0');
  auto put_le = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i)
      bmp[at + i] = static_cast<char>(v >> (8 * i));
  };
  bmp[0] = 'B', bmp[1] = 'M';
  put_le(2, 1024);
  put_le(10, 54 + 1024 - 54 - 2);  // pixel data: the last two bytes (an RLE end-of-bitmap)
  put_le(14, 40);
  put_le(18, static_cast<uint32_t>(width));
  put_le(22, static_cast<uint32_t>(height));
  bmp[26] = 1, bmp[28] = 8, bmp[30] = 1;  // one plane, 8 bits, BI_RLE8
  bmp[1022] = 0, bmp[1023] = 1;
  return bmp;
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Runs `f`, expects a LimitError whose message holds every one of `parts`; returns it.
template <typename F>
void expect_limit(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected a LimitError, the image was accepted";
  } catch (const LimitError& e) {
    const std::string message = e.what();
    for (const std::string& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a LimitError, got: " << e.what();
  }
}

TEST(ImageLimits, TheDefaultBudgetIsPilsMaxImagePixels) {
  // PIL.Image.MAX_IMAGE_PIXELS = int(1024 * 1024 * 1024 // 4 // 3).
  EXPECT_EQ(kDefaultMaxPixels, uint64_t{1024} * 1024 * 1024 / 4 / 3);
  EXPECT_EQ(ImageLimits{}.max_pixels, kDefaultMaxPixels);
  ImageHeader header;
  header.format = ImageFormat::kPng;
  header.width = 9459, header.height = 9459;  // 89,472,681: just inside
  EXPECT_NO_THROW(check_image_limits(header, "in.png", ImageLimits{}));
  header.height = 9460;  // 89,482,140: just outside
  expect_limit(
      [&] { check_image_limits(header, "out.png", ImageLimits{}); },
      {"out.png: PNG header: declares 9459x9460 = 89482140 pixels", "limit: 89478485 pixels"});
}

TEST(ImageLimits, SmallFilesDeclaringHugeImagesAreRefusedBeforeDecoding) {
  const long before = peak_rss_kb();
  const auto start = std::chrono::steady_clock::now();
  const std::string jpeg = jpeg_declaring(fixture_bytes("photo_rgb.jpg"), 16000, 16000);
  EXPECT_LT(jpeg.size(), 8000u);
  expect_limit([&] { decode_image(jpeg, "bomb.jpg"); },
               {"bomb.jpg: JPEG header: declares 16000x16000 = 256000000 pixels"});
  const std::string bmp = bmp_declaring(16000, -16000);
  expect_limit([&] { decode_image(bmp, "bomb.bmp"); }, {"bomb.bmp: BMP header", "16000x16000"});
  // A 16-bit gray PNG of 16384^2 (the filer's was a real 2 MB file; the header is what counts).
  const std::string png = png_declaring(fixture_bytes("gray16.png"), 16384, 16384);
  EXPECT_EQ(read_image_header(png, "p.png").png_bit_depth, 16);
  expect_limit([&] { decode_image(png, "bomb16.png"); },
               {"bomb16.png: PNG header: declares 16384x16384 = 268435456 pixels"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(peak_rss_kb() - before, 32 * 1024) << "memory grew while refusing bombs";
  EXPECT_LT(seconds, 2.0);
}

TEST(ImageLimits, ProgressiveJpegScansAreCountedAndBounded) {
  const std::string progressive = fixture_bytes("photo_progressive.jpg");
  // PIL writes libjpeg's standard progression: 10 scans for colour, 6 for gray.
  const ImageHeader header = read_image_header(progressive, "p.jpg");
  EXPECT_EQ(header.jpeg_scans, 10);
  EXPECT_EQ(read_image_header(fixture_bytes("photo_rgb.jpg"), "b.jpg").jpeg_scans, 1);
  EXPECT_NO_THROW(decode_image(progressive, "p.jpg"));

  const auto start = std::chrono::steady_clock::now();
  const std::string many = jpeg_with_scans(progressive, 5000);
  expect_limit([&] { decode_image(many, "scans.jpg"); },
               {"scans.jpg: JPEG scans: a progressive JPEG of 5000 scans", "limit: 100 scans"});
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
  EXPECT_NO_THROW(
      check_image_limits(read_image_header(jpeg_with_scans(progressive, kMaxJpegScans), "edge.jpg"),
                         "edge.jpg", ImageLimits{}));
}

TEST(ImageLimits, SixtyFourBitSizesCannotWrapTheProduct) {
  // 2^32 x 2^32 is 0 modulo 2^64: the sides are checked before they are multiplied.
  ImageHeader header;
  header.format = ImageFormat::kTiff;
  header.width = uint64_t{1} << 32, header.height = uint64_t{1} << 32;
  ImageLimits huge;
  huge.max_pixels = UINT64_MAX;
  expect_limit([&] { check_image_limits(header, "wrap.tiff", huge); },
               {"wrap.tiff: TIFF header: declares 4294967296x4294967296"});
}

TEST(ImageLimits, TheProcessWideBudgetIsWhatLoadersStartFrom) {
  const uint64_t saved = default_max_pixels();
  set_default_max_pixels(1000);
  const auto path = image_fixtures() / "table_rgb.png";  // 800x300
  expect_limit([&] { load_image(path); }, {path.string(), "800x300", "limit: 1000 pixels"});
  set_default_max_pixels(saved);
  EXPECT_NO_THROW(load_image(path));
}

}  // namespace
}  // namespace mlxocr
