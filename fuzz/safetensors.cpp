// safetensors: the 8-byte length, the JSON header (dtypes, shapes, offsets, __metadata__) and the
// tensor bytes, through the loader every model load uses.
#include "io/safetensors.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  const auto file = fuzz::write_scratch("model.safetensors", fuzz::as_view(data, size));
  fuzz::expect_only_mlxocr_errors([&] { read_safetensors_metadata(file); });
  fuzz::expect_only_mlxocr_errors([&] { load_safetensors(file); });
  return 0;
}
