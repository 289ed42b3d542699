// The git blob hash: SHA-1 of "blob <size>\0" followed by the contents. The Hugging Face hub gives
// it as the ETag of a file not stored with git LFS, and huggingface_hub's `git_hash` computes it
// the same way (`git hash-object`), so a regular file can be checked as an LFS file is with its
// sha256.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mlxocr {

class Sha1 {
 public:
  Sha1();
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest as 40 lowercase hex digits; the object cannot be updated afterwards.
  std::string hex_digest();

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 5> state_;
  std::array<std::uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// The git blob hash of `data`, 40 lowercase hex digits.
std::string git_blob_hash(std::string_view data);

// The git blob hash of a file's contents. Throws FileError when unreadable.
std::string git_blob_hash_file(const std::filesystem::path& file);

}  // namespace mlxocr
