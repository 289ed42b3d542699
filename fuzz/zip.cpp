// The zip reader of torch.save archives: end of central directory, ZIP64 records, central and
// local headers, and every entry's contents with its CRC checked.
#include "fuzz_support.h"
#include "io/zip_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  fuzz::expect_only_mlxocr_errors([&] {
    const ZipArchive archive(fuzz::as_view(data, size), "fuzz.zip");
    for (const auto& named_entry : archive.entries()) {
      const ZipArchive::Entry& entry = named_entry.second;
      fuzz::expect_only_mlxocr_errors([&] { archive.contents(entry, /*verify_crc=*/true); });
    }
  });
  return 0;
}
