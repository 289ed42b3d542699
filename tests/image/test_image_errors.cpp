// Untrusted image files: every bad input ends in an ImageError that names the file and the
// problem, and oversized headers are refused before any decoder allocates.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
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
using test::image_index;

// Runs `f`, expects an `E` (ImageError; LimitError for a size beyond the budget) whose message
// contains every one of `parts`.
template <typename E = ImageError, typename F>
void expect_image_error(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected an error";
  } catch (const E& e) {
    const std::string message = e.what();
    for (const std::string& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    }
  }
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(ImageErrors, BadFixtureFilesNameFileAndProblem) {
  for (const auto& [file, phrase] : image_index()["bad_inputs"].items()) {
    SCOPED_TRACE(file);
    const auto path = image_fixtures() / file;
    const auto load = [&] { load_image(path); };
    if (file.find("bomb") != std::string::npos || file.find("huge") != std::string::npos) {
      expect_image_error<LimitError>(load, {path.string(), phrase.get<std::string>()});
    } else {
      expect_image_error(load, {path.string(), phrase.get<std::string>()});
    }
  }
}

TEST(ImageErrors, MissingFileIsAFileError) {
  const auto path = image_fixtures() / "no_such_image.png";
  try {
    load_image(path);
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_image.png"), std::string::npos);
  }
  EXPECT_THROW(load_image(image_fixtures()), FileError);  // a directory
}

TEST(ImageErrors, BombIsRefusedBeforeAllocating) {
  // 100000x100000 RGB would be 30 GB; the header check must stop it with no allocation to speak
  // of. ctest runs each test in its own process, so the peak RSS here is this test's own.
  const long before = peak_rss_kb();
  const auto start = std::chrono::steady_clock::now();
  const auto path = image_fixtures() / "bad" / "bomb_100000x100000.png";
  expect_image_error<LimitError>([&] { load_image(path); },
                                 {path.string(), "100000x100000", "limit: 89478485 pixels"});
  const auto jpeg = image_fixtures() / "bad" / "huge_sof.jpg";
  expect_image_error<LimitError>([&] { load_image(jpeg); },
                                 {jpeg.string(), "JPEG header: declares 65000x60000"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(peak_rss_kb() - before, 32 * 1024) << "peak RSS grew while refusing bombs";
  EXPECT_LT(seconds, 1.0);
}

// A decoder would happily take this: 20000x20000 (400 Mpixel, under OpenCV's own 1 Gpixel
// limit). Our default limit refuses it; a raised limit would let it through to the decoder.
std::string crafted_png(uint32_t width, uint32_t height) {
  const std::string good = read_file(image_fixtures() / "bad" / "bomb_100000x100000.png", 4096);
  std::string png = good;
  auto put_be = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i)
      png[at + i] = static_cast<char>(v >> (24 - 8 * i));
  };
  put_be(16, width);
  put_be(20, height);
  // Recompute the IHDR CRC over type + data.
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 12; i < 12 + 17; ++i) {
    c ^= static_cast<uint8_t>(png[i]);
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  put_be(29, c ^ 0xFFFFFFFFu);
  return png;
}

TEST(ImageErrors, LimitIsConfigurable) {
  expect_image_error<LimitError>([] { decode_image(crafted_png(20000, 20000), "mem.png"); },
                                 {"mem.png", "20000x20000", "refused before decoding"});
  ImageLimits tiny;
  tiny.max_pixels = 1000;
  const auto path = image_fixtures() / "table_rgb.png";
  expect_image_error<LimitError>([&] { load_image(path, tiny); },
                                 {path.string(), "800x300", "1000 pixels"});
  ImageLimits small_files;
  small_files.max_file_bytes = 100;
  EXPECT_THROW(load_image(path, small_files), FileError);
}

TEST(ImageErrors, HeadersOfEveryFormatAreBounded) {
  // In-memory headers that claim huge sizes, one per format.
  std::string bmp(54, '\0');
  bmp[0] = 'B', bmp[1] = 'M', bmp[14] = 40, bmp[28] = 24;
  bmp[18] = '\x40', bmp[19] = '\x0d', bmp[20] = '\x03';       // width 200000
  bmp[22] = '\x40', bmp[23] = '\x0d', bmp[24] = '\x03';       // height 200000
  EXPECT_THROW(read_image_header(bmp, "x.bmp"), ImageError);  // pixel data missing
  bmp[28] = 8, bmp[30] = 1;  // RLE8: no fixed pixel array size, only the limit stops it
  expect_image_error<LimitError>([&] { decode_image(bmp, "x.bmp"); }, {"x.bmp", "200000x200000"});
  std::string webp = std::string("RIFF") + std::string("\x16\0\0\0", 4) + "WEBPVP8X" +
                     std::string("\x0a\0\0\0", 4) + std::string(4, '\0') +
                     "\x9f\x86\x01"
                     "\x9f\x86\x01";  // canvas 100000x100000
  const ImageHeader webp_header = read_image_header(webp, "x.webp");
  EXPECT_EQ(webp_header.width, 100000u);
  EXPECT_EQ(webp_header.height, 100000u);
  expect_image_error<LimitError>([&] { decode_image(webp, "x.webp"); },
                                 {"x.webp", "100000x100000"});
  // Little-endian TIFF, one IFD with ImageWidth/ImageLength as LONGs of 100000.
  std::string tiff("II*\0\x08\0\0\0", 8);
  tiff += std::string("\x02\0", 2);
  tiff += std::string("\x00\x01\x04\x00\x01\0\0\0\xa0\x86\x01\x00", 12);
  tiff += std::string("\x01\x01\x04\x00\x01\0\0\0\xa0\x86\x01\x00", 12);
  tiff += std::string(4, '\0');
  expect_image_error<LimitError>([&] { decode_image(tiff, "x.tiff"); },
                                 {"x.tiff", "100000x100000"});
}

TEST(ImageErrors, EveryTruncationOfEveryFormatIsRefused) {
  for (const char* name : {"table_rgb.png", "interlaced_rgba.png", "photo_rgb.jpg",
                           "photo_progressive.jpg", "photo_gray.jpg", "photo.bmp", "photo.tiff",
                           "photo_lossless.webp", "photo_lossy.webp", "gray16.png"}) {
    const std::string bytes = read_file(image_fixtures() / name, 1 << 24);
    for (double fraction : {0.0005, 0.01, 0.3, 0.6, 0.95}) {
      const size_t keep = std::max<size_t>(1, static_cast<size_t>(bytes.size() * fraction));
      SCOPED_TRACE(std::string(name) + " cut to " + std::to_string(keep) + " bytes");
      expect_image_error([&] { decode_image(bytes.substr(0, keep), name); }, {name});
    }
    // The last byte too (PNG's IEND CRC, JPEG's EOI, ...), except formats that end in padding.
    SCOPED_TRACE(std::string(name) + " without its last byte");
    if (std::string(name).ends_with(".png") || std::string(name).ends_with(".jpg")) {
      expect_image_error([&] { decode_image(bytes.substr(0, bytes.size() - 1), name); }, {name});
    }
  }
}

TEST(ImageErrors, JpegWithStrayBytesBetweenSegmentsStillLoads) {
  // libjpeg (and so PIL) skips junk before a marker with a warning; so must the header walk.
  const std::string good = read_file(image_fixtures() / "photo_exif_rotated.jpg", 1 << 20);
  const size_t app0_length = (static_cast<uint8_t>(good[4]) << 8) | static_cast<uint8_t>(good[5]);
  std::string junk = good;
  junk.insert(4 + app0_length, "\x01\x02\x03");
  const RgbImage expected = decode_image(good, "good.jpg");
  const RgbImage image = decode_image(junk, "junk.jpg");
  EXPECT_EQ(image.pixels, expected.pixels);
}

TEST(ImageErrors, NonImagesAreNamedAsSuch) {
  expect_image_error([] { decode_image("", "a.png"); }, {"a.png", "empty file"});
  expect_image_error([] { decode_image("GIF89a....", "a.gif"); }, {"a.gif", "GIF"});
  expect_image_error([] { decode_image("%PDF-1.7 ...", "a.png"); },
                     {"a.png", "not a supported image"});
  expect_image_error([] { decode_image("MM not a tiff", "a.tif"); }, {"a.tif"});
}

}  // namespace
}  // namespace mlxocr
