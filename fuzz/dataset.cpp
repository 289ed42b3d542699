// Datasets: the first input byte picks CSV, TSV or JSONL, the rest is the data file, read by
// load_dataset (rows, quoting, columns, image paths relative to the file, each image checked).
#include <array>

#include "data/csv.h"
#include "data/dataset.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  if (size == 0) return 0;
  static constexpr std::array<const char*, 3> kNames{"data.csv", "data.tsv", "data.jsonl"};
  const auto file =
      fuzz::write_scratch(kNames[data[0] % kNames.size()], fuzz::as_view(data + 1, size - 1));
  fuzz::expect_only_mlxocr_errors([&] {
    DatasetReport report;
    load_dataset(file, report);
  });
  return 0;
}
