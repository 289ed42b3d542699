// The whitelist unpickler of pytorch_model.bin's data.pkl, on the pickle bytes alone.
#include "io/torch_pickle.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  fuzz::expect_only_mlxocr_errors(
      [&] { unpickle_torch_state_dict(fuzz::as_view(data, size), "fuzz/data.pkl"); });
  return 0;
}
