// Read-only memory mapping of a whole file, so multi-gigabyte checkpoints are read without first
// copying them into memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace mlxocr {

class MappedFile {
 public:
  // Maps `path` read-only. Throws FileError naming the path when it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::string_view bytes() const { return {reinterpret_cast<const char*>(data_), size_}; }

  // Tells the kernel that bytes [offset, offset + length) are no longer needed (the whole pages
  // inside them leave the resident set; reading them again reloads them from the file). A loader
  // calls it after copying each tensor out, so the checkpoint and its copy are never both resident.
  void release(std::size_t offset, std::size_t length) const;

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace mlxocr
