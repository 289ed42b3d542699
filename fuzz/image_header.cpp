// Image headers: signature, dimensions, and the PNG chunk / JPEG marker / BMP walk that refuses
// truncated files before a decoder sees them; and the header fields the searchable PDF reads
// (PNG pHYs, JFIF density, a JPEG's frame), which walk the same bytes on their own.
#include "image/image_header.h"
#include "fuzz_support.h"
#include "image/image_resolution.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  const std::string_view bytes = fuzz::as_view(data, size);
  fuzz::expect_only_mlxocr_errors([&] { read_image_header(bytes, "fuzz.img"); });
  fuzz::expect_only_mlxocr_errors([&] {
    image_resolution(bytes);
    embeddable_jpeg_frame(bytes);
  });
  return 0;
}
