#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "mlxocr/error.h"

namespace mlxocr {

namespace {

// Closes the descriptor on every path out of the constructor; the mapping outlives it.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw FileError(path.string() + ": is a directory, expected a file");
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    const int error = errno;
    if (error == ENOENT) throw FileError(path.string() + ": no such file");
    throw FileError(path.string() + ": cannot open for reading: " + std::strerror(error));
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0)
    throw FileError(path.string() + ": cannot read size: " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) throw FileError(path.string() + ": is not a regular file");
  size_ = static_cast<std::size_t>(info.st_size);
  if (size_ == 0) return;  // mmap refuses empty mappings; an empty file has nothing to map.
  void* mapping = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (mapping == MAP_FAILED)
    throw FileError(path.string() + ": cannot map into memory: " + std::strerror(errno));
  data_ = static_cast<const std::uint8_t*>(mapping);
}

void MappedFile::release(std::size_t offset, std::size_t length) const {
  if (data_ == nullptr || offset >= size_) return;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t end = std::min(size_, offset + length);
  const std::size_t first = (offset + page - 1) / page * page;  // whole pages only: a page
  const std::size_t last = end / page * page;                   // shared with a neighbour stays
  if (last <= first) return;
  // Advice, not a requirement: when the kernel declines, the pages are merely kept.
  ::madvise(const_cast<std::uint8_t*>(data_) + first, last - first, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

}  // namespace mlxocr
