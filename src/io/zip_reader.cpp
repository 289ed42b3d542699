#include "io/zip_reader.h"

#include <array>
#include <cstring>

#include "mlxocr/error.h"

namespace mlxocr {

namespace {

constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::size_t kEndRecordSize = 22;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kZip64EndRecordSize = 56;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kMaxCommentSize = 0xFFFF;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint16_t kEncryptedFlag = 0x0001;

// Little-endian field readers; the caller has checked the range.
std::uint16_t u16(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(bytes[at]) |
                                    static_cast<std::uint8_t>(bytes[at + 1]) << 8);
}
std::uint32_t u32(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint32_t>(u16(bytes, at)) | static_cast<std::uint32_t>(u16(bytes, at + 2))
                                                          << 16;
}
std::uint64_t u64(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint64_t>(u32(bytes, at)) | static_cast<std::uint64_t>(u32(bytes, at + 4))
                                                          << 32;
}

// True when [offset, offset + length) lies inside `size` bytes, without overflowing.
bool fits(std::uint64_t offset, std::uint64_t length, std::uint64_t size) {
  return offset <= size && length <= size - offset;
}

std::string method_name(std::uint16_t method) {
  switch (method) {
    case 8:
      return "deflate";
    case 9:
      return "deflate64";
    case 12:
      return "bzip2";
    case 14:
      return "lzma";
    case 93:
      return "zstandard";
    case 95:
      return "xz";
    default:
      return "method " + std::to_string(method);
  }
}

const std::array<std::uint32_t, 256>& crc_table() {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

}  // namespace

std::uint32_t crc32(std::string_view data) {
  const auto& table = crc_table();
  std::uint32_t c = 0xFFFFFFFFu;
  for (char byte : data)
    c = table[(c ^ static_cast<std::uint8_t>(byte)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

ZipArchive::ZipArchive(std::string_view bytes, std::string where)
    : bytes_(bytes), where_(std::move(where)) {
  const std::uint64_t size = bytes_.size();
  const std::string prefix = where_ + ": ";
  if (size < kEndRecordSize)
    throw CheckpointError(prefix + "not a zip archive (" + std::to_string(size) +
                          " bytes, too short for an end-of-central-directory record)");

  // The end record sits at the very end, followed only by a comment of at most 64 KiB.
  std::uint64_t end_record = size;  // "not found"
  const std::uint64_t lowest =
      size >= kEndRecordSize + kMaxCommentSize ? size - kEndRecordSize - kMaxCommentSize : 0;
  for (std::uint64_t at = size - kEndRecordSize + 1; at-- > lowest;) {
    if (u32(bytes_, at) == kEndSignature && at + kEndRecordSize + u16(bytes_, at + 20) <= size) {
      end_record = at;
      break;
    }
  }
  if (end_record == size)
    throw CheckpointError(prefix +
                          "not a zip archive (no end-of-central-directory record found; "
                          "truncated download?)");

  std::uint64_t entry_count = u16(bytes_, end_record + 10);
  std::uint64_t directory_size = u32(bytes_, end_record + 12);
  std::uint64_t directory_offset = u32(bytes_, end_record + 16);
  const std::uint16_t disk = u16(bytes_, end_record + 4);
  const std::uint16_t directory_disk = u16(bytes_, end_record + 6);
  if ((disk != 0 && disk != 0xFFFF) || (directory_disk != 0 && directory_disk != 0xFFFF))
    throw CheckpointError(prefix + "multi-part zip archives are not supported");
  std::uint64_t directory_limit = end_record;  // the central directory ends before this
  if (end_record >= kZip64LocatorSize &&
      u32(bytes_, end_record - kZip64LocatorSize) == kZip64LocatorSignature) {
    const std::uint64_t locator = end_record - kZip64LocatorSize;
    const std::uint64_t zip64_end = u64(bytes_, locator + 8);
    if (!fits(zip64_end, kZip64EndRecordSize, locator) ||
        u32(bytes_, zip64_end) != kZip64EndSignature)
      throw CheckpointError(prefix + "ZIP64 end-of-central-directory record at offset " +
                            std::to_string(zip64_end) + " is missing or outside the file");
    if (u32(bytes_, zip64_end + 16) != 0 || u32(bytes_, zip64_end + 20) != 0)
      throw CheckpointError(prefix + "multi-part zip archives are not supported");
    entry_count = u64(bytes_, zip64_end + 32);
    directory_size = u64(bytes_, zip64_end + 40);
    directory_offset = u64(bytes_, zip64_end + 48);
    directory_limit = zip64_end;
  }
  if (!fits(directory_offset, directory_size, directory_limit))
    throw CheckpointError(prefix + "central directory (offset " + std::to_string(directory_offset) +
                          ", " + std::to_string(directory_size) +
                          " bytes) lies outside the file (truncated?)");
  if (entry_count > directory_size / kCentralHeaderSize)
    throw CheckpointError(prefix + "central directory claims " + std::to_string(entry_count) +
                          " entries, more than its " + std::to_string(directory_size) +
                          " bytes can hold");
  central_directory_offset_ = directory_offset;

  std::uint64_t at = directory_offset;
  const std::uint64_t directory_end = directory_offset + directory_size;
  for (std::uint64_t index = 0; index < entry_count; ++index) {
    const std::string entry_prefix = prefix + "central directory entry " + std::to_string(index);
    if (!fits(at, kCentralHeaderSize, directory_end) || u32(bytes_, at) != kCentralHeaderSignature)
      throw CheckpointError(entry_prefix +
                            " is malformed (bad signature or outside the directory)");
    Entry entry;
    entry.flags = u16(bytes_, at + 8);
    entry.method = u16(bytes_, at + 10);
    entry.crc32 = u32(bytes_, at + 16);
    entry.compressed_size = u32(bytes_, at + 20);
    entry.size = u32(bytes_, at + 24);
    const std::uint16_t name_length = u16(bytes_, at + 28);
    const std::uint16_t extra_length = u16(bytes_, at + 30);
    const std::uint16_t comment_length = u16(bytes_, at + 32);
    entry.local_header_offset = u32(bytes_, at + 42);
    const std::uint64_t variable_length =
        std::uint64_t{name_length} + extra_length + comment_length;
    if (!fits(at + kCentralHeaderSize, variable_length, directory_end))
      throw CheckpointError(entry_prefix + " runs past the end of the central directory");
    entry.name = std::string(bytes_.substr(at + kCentralHeaderSize, name_length));

    // ZIP64: the 32-bit fields that overflowed are 0xFFFFFFFF and their values follow, in order,
    // in extra block 0x0001.
    const std::string_view extra =
        bytes_.substr(at + kCentralHeaderSize + name_length, extra_length);
    const bool need_size = entry.size == 0xFFFFFFFFu;
    const bool need_compressed = entry.compressed_size == 0xFFFFFFFFu;
    const bool need_offset = entry.local_header_offset == 0xFFFFFFFFu;
    if (need_size || need_compressed || need_offset) {
      bool found = false;
      for (std::size_t block = 0; block + 4 <= extra.size();) {
        const std::uint16_t id = u16(extra, block);
        const std::uint16_t length = u16(extra, block + 2);
        if (block + 4 + length > extra.size()) break;
        if (id == kZip64ExtraId) {
          const std::string_view fields = extra.substr(block + 4, length);
          std::size_t field = 0;
          auto next = [&](std::uint64_t& value) {
            if (field + 8 > fields.size())
              throw CheckpointError(prefix + "entry '" + entry.name +
                                    "' has a truncated ZIP64 extra field");
            value = u64(fields, field);
            field += 8;
          };
          if (need_size) next(entry.size);
          if (need_compressed) next(entry.compressed_size);
          if (need_offset) next(entry.local_header_offset);
          found = true;
          break;
        }
        block += 4 + length;
      }
      if (!found)
        throw CheckpointError(prefix + "entry '" + entry.name +
                              "' needs a ZIP64 extra field but has none");
    }
    if (!fits(entry.local_header_offset, entry.compressed_size, directory_offset))
      throw CheckpointError(prefix + "entry '" + entry.name + "' (offset " +
                            std::to_string(entry.local_header_offset) + ", " +
                            std::to_string(entry.compressed_size) +
                            " bytes) lies outside the file's data (truncated?)");
    const std::string name = entry.name;
    if (!entries_.emplace(name, std::move(entry)).second)
      throw CheckpointError(prefix + "entry '" + name + "' appears twice");
    at += kCentralHeaderSize + variable_length;
  }
}

const ZipArchive::Entry* ZipArchive::find(const std::string& name) const {
  const auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string_view ZipArchive::contents(const Entry& entry, bool verify_crc) const {
  const std::string prefix = where_ + ": entry '" + entry.name + "' ";
  if (entry.flags & kEncryptedFlag) throw CheckpointError(prefix + "is encrypted");
  if (entry.method != 0)
    throw CheckpointError(prefix + "is compressed (" + method_name(entry.method) +
                          "); torch.save stores entries uncompressed, so this file was repacked "
                          "by another tool: re-save it with torch.save");
  if (entry.compressed_size != entry.size)
    throw CheckpointError(prefix + "is stored uncompressed but its sizes differ (" +
                          std::to_string(entry.compressed_size) + " vs " +
                          std::to_string(entry.size) + " bytes)");
  const std::uint64_t header = entry.local_header_offset;
  if (!fits(header, kLocalHeaderSize, central_directory_offset_) ||
      u32(bytes_, header) != kLocalHeaderSignature)
    throw CheckpointError(prefix + "has no local header at offset " + std::to_string(header));
  // The local header has its own name and extra lengths (torch pads the extra field so that
  // data is 64-byte aligned); only they tell where the data starts.
  const std::uint64_t data_start =
      header + kLocalHeaderSize + u16(bytes_, header + 26) + u16(bytes_, header + 28);
  if (!fits(data_start, entry.size, central_directory_offset_))
    throw CheckpointError(prefix + "data (" + std::to_string(entry.size) + " bytes at offset " +
                          std::to_string(data_start) + ") lies outside the file (truncated?)");
  const std::string_view data = bytes_.substr(data_start, entry.size);
  if (verify_crc && crc32(data) != entry.crc32)
    throw CheckpointError(prefix + "is corrupt (CRC-32 mismatch)");
  return data;
}

}  // namespace mlxocr
