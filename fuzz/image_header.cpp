// Image headers: signature, dimensions, and the PNG chunk / JPEG marker / BMP walk that refuses
// truncated files before a decoder sees them.
#include "image/image_header.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  fuzz::expect_only_mlxocr_errors(
      [&] { read_image_header(fuzz::as_view(data, size), "fuzz.img"); });
  return 0;
}
