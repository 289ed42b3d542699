// Read-only memory mapping of a whole file, so multi-gigabyte checkpoints are read without first
// copying them into memory, and parallel pread() of parts of it for tensors copied verbatim.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace mlxocr {

class MappedFile {
 public:
  // read_only: PROT_READ. copy_on_write: the pages may also be written, privately (MAP_PRIVATE:
  // a written page becomes the process's own copy; the file never changes), for memory handed
  // to MLX as array storage; its 2 MB frames are advised for huge pages (see the .cpp).
  enum class Access { read_only, copy_on_write };

  // Maps `path`. Throws FileError naming the path when it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path, Access access = Access::read_only);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  // The mapping's bytes for writing: only for a copy_on_write mapping (nullptr otherwise).
  std::uint8_t* writable_data() const {
    return access_ == Access::copy_on_write ? const_cast<std::uint8_t*>(data_) : nullptr;
  }
  std::size_t size() const { return size_; }
  std::string_view bytes() const { return {reinterpret_cast<const char*>(data_), size_}; }

  // Tells the kernel that bytes [offset, offset + length) are no longer needed (the whole pages
  // inside them leave the resident set; reading them again reloads them from the file). A loader
  // calls it after copying each tensor out, so the checkpoint and its copy are never both resident.
  void release(std::size_t offset, std::size_t length) const;

  // Takes the whole pages inside bytes [offset, offset + length) out of the mapping (reading
  // them afterwards faults): for a range never read again through this object, the storage of
  // an array MLX has freed. Unlike release(), this also keeps the kernel from mapping those
  // pages back when a neighbour is read: a 2 MB page-cache folio is mapped whole, whichever of
  // its pages is touched, up to the mapping's bounds.
  void unmap(std::size_t offset, std::size_t length) const;

  // Bytes [offset, offset + length) of the file, to be copied to `destination`.
  struct Range {
    std::size_t offset = 0;
    std::size_t length = 0;
    std::uint8_t* destination = nullptr;
  };
  // Copies the ranges with pread() on a few threads, in pieces of a few MB. Why not memcpy from
  // the mapping: the kernel then copies straight from its page cache, and the mapping's pages are
  // never faulted in (nor counted in the resident set). Throws FileError naming the file when a
  // range lies past its end or the read fails.
  void read(std::span<const Range> ranges) const;

 private:
  std::string path_;
  Access access_ = Access::read_only;
  int fd_ = -1;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace mlxocr
