// The `--fields` JSON naming a template's boxes, against a fixed set of 18 boxes in three rows.
#include <vector>

#include "fuzz_support.h"
#include "pipeline/field_names.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  static const std::vector<Box> boxes = [] {
    std::vector<Box> result;
    for (int row = 0; row < 3; ++row) {
      for (int col = 0; col < 6; ++col)
        result.push_back({20 + col * 110, 40 + row * 60, 100, 40});
    }
    return result;
  }();
  fuzz::expect_only_mlxocr_errors(
      [&] { parse_field_names(fuzz::as_view(data, size), "fuzz/fields.json", boxes); });
  return 0;
}
