// preprocessor_config.json (sizes in their three forms, resample, rescale, mean/std), then one
// tiny image through the processor it describes.
#include "fuzz_support.h"
#include "image/processor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  fuzz::expect_only_mlxocr_errors([&] {
    const ImageProcessorConfig config = parse_image_processor_config(
        std::string(fuzz::as_view(data, size)), "fuzz/preprocessor_config.json");
    const ImageProcessor processor(config);
    // The parser allows sides up to 16384 (3 GiB of float32 pixels per image); what bounds them
    // in a model load is the encoder's own image size, not this file. Larger outputs are valid
    // configs, just not worth a fuzzer's memory.
    if (config.do_resize && std::int64_t{config.height} * config.width > (1 << 20)) return;
    RgbImage image{.width = 3, .height = 2, .pixels = std::vector<uint8_t>(3 * 2 * 3, 200)};
    processor.preprocess(image);
  });
  return 0;
}
