// MappedFile::release: pages handed back are reloaded from the file when read again.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "io/mapped_file.h"
#include "temp_dir.h"

namespace mlxocr {
namespace {

TEST(MappedFile, ReleasedPagesReadTheSameBytesAgain) {
  testing::TempDir dir("mapped");
  const auto file = dir.path() / "data.bin";
  std::string bytes(5 * 4096 + 123, '\0');
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>(i * 7 + i / 4096);
  std::ofstream(file, std::ios::binary) << bytes;

  const MappedFile mapped(file);
  ASSERT_EQ(mapped.bytes(), bytes);
  mapped.release(100, 3 * 4096);          // covers pages 1 and 2 only
  mapped.release(4 * 4096, 10 * 4096);    // runs past the end: clipped
  mapped.release(bytes.size() + 10, 50);  // wholly past the end: nothing
  EXPECT_EQ(mapped.bytes(), bytes);
}

}  // namespace
}  // namespace mlxocr
