// Template finding on raw pixels: two bytes give the width and height (1..64), the rest the BGRA
// pixels (zero-filled when short), so the fuzzer explores outlines rather than PNG encoding
// (image_decode covers that).
#include <cstring>
#include <opencv2/core.hpp>

#include "fuzz_support.h"
#include "image/template_boxes.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  if (size < 2) return 0;
  const int width = 1 + data[0] % 64, height = 1 + data[1] % 64;
  cv::Mat bgra(height, width, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  std::memcpy(bgra.data, data + 2, std::min(size - 2, bgra.total() * 4));
  fuzz::expect_only_mlxocr_errors([&] {
    TemplateOptions options;
    options.min_width = 2;  // small enough for boxes in a 64-pixel image
    options.min_height = 2;
    find_template_boxes(bgra, options);
  });
  return 0;
}
