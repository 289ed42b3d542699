// Whole image loading: header checks, then OpenCV's decoders and our conversion to RGB as PIL
// gives it. The pixel limit is lowered (4 megapixels) so a valid but large image is a refusal,
// not a slow input.
#include "fuzz_support.h"
#include "image/image.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  const ImageLimits limits{.max_pixels = std::uint64_t{1} << 22, .max_file_bytes = 1 << 24};
  fuzz::expect_only_mlxocr_errors(
      [&] { decode_image(fuzz::as_view(data, size), "fuzz.img", limits); });
  return 0;
}
