// A small reader of zip archives as torch.save writes them: entries stored uncompressed, found
// through the central directory, ZIP64 records honoured. It reads from memory (a mapped file) and
// checks every offset and length against the archive before using it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace mlxocr {

class ZipArchive {
 public:
  struct Entry {
    std::string name;
    std::uint16_t flags = 0;
    std::uint16_t method = 0;  // 0 = stored, 8 = deflate, ...
    std::uint32_t crc32 = 0;
    std::uint64_t compressed_size = 0;
    std::uint64_t size = 0;
    std::uint64_t local_header_offset = 0;
  };

  // Reads the central directory of the archive in `bytes` (which must outlive this object).
  // `where` names the file in messages. Throws CheckpointError when the archive is malformed.
  ZipArchive(std::string_view bytes, std::string where);

  // Entries by name.
  const std::map<std::string, Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& name) const;

  // The contents of a stored (uncompressed) entry, in place. Throws CheckpointError for
  // compressed or encrypted entries and for ranges outside the archive; checks the CRC-32 when
  // `verify_crc` is set.
  std::string_view contents(const Entry& entry, bool verify_crc = false) const;

 private:
  std::string_view bytes_;
  std::string where_;
  std::uint64_t central_directory_offset_ = 0;
  std::map<std::string, Entry> entries_;
};

// CRC-32 (IEEE 802.3, as zip uses) of `data`.
std::uint32_t crc32(std::string_view data);

}  // namespace mlxocr
