// config.json of a VisionEncoderDecoder checkpoint, read as a model load reads it, then the
// figures derived from it (parameter count).
#include "fuzz_support.h"
#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  fuzz::write_scratch("config.json", fuzz::as_view(data, size));
  fuzz::expect_only_mlxocr_errors([&] {
    const ModelConfig config = load_model_config(fuzz::scratch_dir());
    count_parameters(config);
  });
  return 0;
}
