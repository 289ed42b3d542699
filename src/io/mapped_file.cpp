#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "mlxocr/error.h"

namespace mlxocr {

namespace {

// Closes the descriptor on every path out of the constructor that throws.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

// Big enough that a thread's system call costs nothing beside its copy, small enough that two
// threads share a 100 MB embedding table evenly.
constexpr std::size_t kReadPiece = std::size_t{4} << 20;
constexpr unsigned kMaxReadThreads = 4;

}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path, Access access)
    : path_(path.string()), access_(access) {
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
  const int protection = access == Access::copy_on_write ? PROT_READ | PROT_WRITE : PROT_READ;
  void* mapping = ::mmap(nullptr, size_, protection, MAP_PRIVATE, file.fd, 0);
  if (mapping == MAP_FAILED)
    throw FileError(path.string() + ": cannot map into memory: " + std::strerror(errno));
  data_ = static_cast<const std::uint8_t*>(mapping);
#ifdef MADV_HUGEPAGE
  // Weights streamed by every decoding step want few TLB entries. Advice: where the page cache
  // holds the file in 2 MB folios (read cold through this mapping, or written in large pieces),
  // the kernel maps them whole; otherwise pages stay 4 KB.
  if (access == Access::copy_on_write) ::madvise(mapping, size_, MADV_HUGEPAGE);
#endif
  fd_ = file.release();
}

void MappedFile::read(std::span<const Range> ranges) const {
  std::vector<Range> pieces;
  for (const Range& range : ranges) {
    if (range.offset > size_ || range.length > size_ - range.offset) {
      throw FileError(path_ + ": bytes " + std::to_string(range.offset) + " to " +
                      std::to_string(range.offset + range.length) + " lie past the end of the " +
                      std::to_string(size_) + "-byte file");
    }
    for (std::size_t done = 0; done < range.length; done += kReadPiece) {
      pieces.push_back({range.offset + done, std::min(kReadPiece, range.length - done),
                        range.destination + done});
    }
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    try {
      for (std::size_t i = next++; i < pieces.size(); i = next++) {
        const Range& piece = pieces[i];
        for (std::size_t done = 0; done < piece.length;) {
          const ::ssize_t got = ::pread(fd_, piece.destination + done, piece.length - done,
                                        static_cast<::off_t>(piece.offset + done));
          if (got < 0 && errno == EINTR) continue;
          if (got < 0) throw FileError(path_ + ": read failed: " + std::strerror(errno));
          if (got == 0) throw FileError(path_ + ": the file became shorter while being read");
          done += static_cast<std::size_t>(got);
        }
      }
    } catch (...) {
      next = pieces.size();
      const std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  const unsigned threads = static_cast<unsigned>(std::min<std::size_t>(
      {pieces.size(), std::max(1u, std::thread::hardware_concurrency()), kMaxReadThreads}));
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running share the rest
    }
  }
  work();
  for (std::thread& helper : helpers)
    helper.join();
  if (failure) std::rethrow_exception(failure);
}

namespace {

// The whole pages inside bytes [offset, offset + length) of a mapping of `size` bytes, as
// [first, last) byte offsets (first == last when there are none): a page shared with a
// neighbouring range is left alone.
std::pair<std::size_t, std::size_t> whole_pages(std::size_t offset, std::size_t length,
                                                std::size_t size) {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t end = std::min(size, offset + length);
  const std::size_t first = (offset + page - 1) / page * page;
  const std::size_t last = end / page * page;
  return last > first ? std::pair(first, last) : std::pair(first, first);
}

}  // namespace

void MappedFile::release(std::size_t offset, std::size_t length) const {
  if (data_ == nullptr || offset >= size_) return;
  const auto [first, last] = whole_pages(offset, length, size_);
  if (last == first) return;
  // Advice, not a requirement: when the kernel declines, the pages are merely kept.
  ::madvise(const_cast<std::uint8_t*>(data_) + first, last - first, MADV_DONTNEED);
}

void MappedFile::unmap(std::size_t offset, std::size_t length) const {
  if (data_ == nullptr || offset >= size_) return;
  const auto [first, last] = whole_pages(offset, length, size_);
  if (last == first) return;
  // Replaced, not unmapped: an inaccessible reservation in one step keeps the addresses ours, so
  // no later allocation lands there and the destructor's munmap of the whole range stays right.
  // Failing that, the pages are merely given back.
  void* at = const_cast<std::uint8_t*>(data_) + first;
  if (::mmap(at, last - first, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
             -1, 0) == MAP_FAILED)
    ::madvise(at, last - first, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace mlxocr
