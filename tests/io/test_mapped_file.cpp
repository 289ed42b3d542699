// MappedFile::release: pages handed back are reloaded from the file when read again.
// MappedFile::read: ranges copied with pread on several threads, and where they cannot be.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "io/mapped_file.h"
#include "mlxocr/error.h"
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

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>(i * 131 + i / 65536);
  return bytes;
}

TEST(MappedFile, ReadCopiesRangesOfManyPiecesExactly) {
  testing::TempDir dir("mapped");
  const auto file = dir.path() / "data.bin";
  const std::string bytes = pattern((std::size_t{19} << 20) + 4321);  // several 4 MB pieces
  std::ofstream(file, std::ios::binary) << bytes;

  const MappedFile mapped(file);
  std::vector<std::uint8_t> big(bytes.size() - 1000), small(17), last(5);
  const std::vector<MappedFile::Range> ranges = {
      {1000, big.size(), big.data()},
      {3, small.size(), small.data()},
      {bytes.size() - last.size(), last.size(), last.data()},
      {42, 0, nullptr}};
  mapped.read(ranges);
  EXPECT_EQ(std::string(big.begin(), big.end()), bytes.substr(1000));
  EXPECT_EQ(std::string(small.begin(), small.end()), bytes.substr(3, 17));
  EXPECT_EQ(std::string(last.begin(), last.end()), bytes.substr(bytes.size() - 5));
}

TEST(MappedFile, ReadPastTheEndNamesTheFileAndTheBytes) {
  testing::TempDir dir("mapped");
  const auto file = dir.path() / "short.bin";
  std::ofstream(file, std::ios::binary) << pattern(100);
  const MappedFile mapped(file);
  std::vector<std::uint8_t> out(64);
  const std::vector<MappedFile::Range> ranges = {{50, 64, out.data()}};
  try {
    mapped.read(ranges);
    FAIL() << "expected a FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("short.bin: bytes 50 to 114 lie past the end of the "
                                         "100-byte file"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mlxocr
