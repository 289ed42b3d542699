#include <gtest/gtest.h>

#include <string>

#include "io/zip_reader.h"
#include "mlxocr/error.h"

namespace mlxocr {
namespace {

void put16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>(v >> 8);
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
  put16(out, static_cast<std::uint16_t>(v >> 16));
}
void put64(std::string& out, std::uint64_t v) {
  put32(out, static_cast<std::uint32_t>(v & 0xFFFFFFFF));
  put32(out, static_cast<std::uint32_t>(v >> 32));
}

// A one-entry stored archive whose central directory keeps sizes and offset in a ZIP64 extra
// field, as writers do for entries past 4 GiB (too large for a fixture, so built by hand).
std::string zip64_archive(const std::string& name, const std::string& data, bool with_extra) {
  std::string zip = "\x20\x20";  // two bytes of padding so the local header is not at offset 0
  const std::uint64_t local = zip.size();
  put32(zip, 0x04034b50);
  put16(zip, 45);
  put16(zip, 0);
  put16(zip, 0);
  put32(zip, 0);
  put32(zip, crc32(data));
  put32(zip, 0xFFFFFFFF);
  put32(zip, 0xFFFFFFFF);
  put16(zip, static_cast<std::uint16_t>(name.size()));
  put16(zip, 0);
  zip += name;
  zip += data;
  const std::uint64_t directory = zip.size();
  put32(zip, 0x02014b50);
  put16(zip, 45);
  put16(zip, 45);
  put16(zip, 0);
  put16(zip, 0);
  put32(zip, 0);
  put32(zip, crc32(data));
  put32(zip, 0xFFFFFFFF);
  put32(zip, 0xFFFFFFFF);
  put16(zip, static_cast<std::uint16_t>(name.size()));
  put16(zip, with_extra ? 28 : 0);
  put16(zip, 0);
  put16(zip, 0);
  put16(zip, 0);
  put32(zip, 0);
  put32(zip, 0xFFFFFFFF);
  zip += name;
  if (with_extra) {
    put16(zip, 0x0001);
    put16(zip, 24);
    put64(zip, data.size());  // uncompressed
    put64(zip, data.size());  // compressed
    put64(zip, local);
  }
  const std::uint64_t directory_size = zip.size() - directory;
  put32(zip, 0x06054b50);
  put16(zip, 0);
  put16(zip, 0);
  put16(zip, 1);
  put16(zip, 1);
  put32(zip, static_cast<std::uint32_t>(directory_size));
  put32(zip, static_cast<std::uint32_t>(directory));
  put16(zip, 0);
  return zip;
}

TEST(ZipReader, ReadsZip64ExtraFields) {
  const std::string archive = zip64_archive("archive/data.pkl", "hello torch", true);
  const ZipArchive zip(archive, "big.bin");
  const ZipArchive::Entry* entry = zip.find("archive/data.pkl");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->size, 11u);
  EXPECT_EQ(zip.contents(*entry, true), "hello torch");
}

TEST(ZipReader, RefusesAnOverflowedFieldWithoutZip64Extra) {
  const std::string archive = zip64_archive("archive/data.pkl", "hello torch", false);
  try {
    ZipArchive zip(archive, "big.bin");
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("big.bin: entry 'archive/data.pkl' needs a ZIP64 extra"),
              std::string::npos)
        << e.what();
  }
}

TEST(ZipReader, DetectsCorruptionThroughTheCrc) {
  std::string archive = zip64_archive("archive/data.pkl", "hello torch", true);
  archive[archive.find("hello")] = 'j';
  const ZipArchive zip(archive, "big.bin");
  EXPECT_THROW(zip.contents(*zip.find("archive/data.pkl"), true), CheckpointError);
  EXPECT_EQ(zip.contents(*zip.find("archive/data.pkl"), false), "jello torch");
}

TEST(ZipReader, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32(""), 0u);
}

}  // namespace
}  // namespace mlxocr
