// SHA-256 (FIPS 180-4), to check downloaded files against the sha256 the Hugging Face hub gives
// for files stored with git LFS (their X-Linked-Etag, also their blob name in the cache).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mlxocr {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest as 64 lowercase hex digits; the object cannot be updated afterwards.
  std::string hex_digest();

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// The sha256 of a file's contents as 64 lowercase hex digits. Throws FileError when unreadable.
std::string sha256_file(const std::filesystem::path& file);

}  // namespace mlxocr
