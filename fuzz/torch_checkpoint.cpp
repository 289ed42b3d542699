// A whole pytorch_model.bin: zip, pickle, storages and the strided views into them.
#include "io/torch_checkpoint.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  const auto file = fuzz::write_scratch("pytorch_model.bin", fuzz::as_view(data, size));
  fuzz::expect_only_mlxocr_errors([&] { load_torch_checkpoint(file); });
  return 0;
}
