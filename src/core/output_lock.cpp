#include "core/output_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/printable.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxHolderText = 256;

// What the holder wrote into the lock file, made safe to print; "" when nothing readable.
std::string holder_of(int fd) {
  char text[kMaxHolderText];
  const ssize_t got = ::pread(fd, text, sizeof text, 0);
  if (got <= 0) return "";
  std::string holder(text, static_cast<size_t>(got));
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0'))
    holder.pop_back();
  return printable(holder, kMaxHolderText);
}

}  // namespace

OutputLock::OutputLock(const fs::path& lock_file, const fs::path& folder,
                       const std::string& command) {
  std::error_code ec;
  fs::create_directories(lock_file.parent_path(), ec);
  fd_ = ::open(lock_file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0) {
    throw FileError(folder.string() + ": cannot write in " + lock_file.parent_path().string() +
                    " (creating the lock file " + lock_file.filename().string() + ": " +
                    std::strerror(errno) + ")");
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string holder = error == EWOULDBLOCK ? holder_of(fd_) : "";
    ::close(fd_);
    fd_ = -1;
    if (error != EWOULDBLOCK) {
      throw FileError(lock_file.string() + ": cannot lock: " + std::strerror(error));
    }
    throw UsageError(folder.string() + ": another mlxocr is writing to this folder (" +
                     (holder.empty() ? std::string("process unknown") : holder) +
                     "); wait for it to finish or choose another folder");
  }
  const std::string holder = "pid " + std::to_string(::getpid()) + ", mlxocr " + command + "\n";
  // Who holds it is for the message of a second writer only; failing to say it is harmless.
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd_, holder.data(), holder.size(), 0);
  }
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  // The file stays: removing it would let a writer that opened it lock a deleted inode while
  // another creates a new file and locks that one.
  [[maybe_unused]] const int truncated = ::ftruncate(fd_, 0);
  ::close(fd_);
}

fs::path OutputLock::inside(const fs::path& folder) {
  return folder / ".mlxocr.lock";
}

fs::path OutputLock::beside(const fs::path& folder) {
  const fs::path absolute = fs::absolute(folder).lexically_normal();
  const fs::path name =
      absolute.has_filename() ? absolute.filename() : absolute.parent_path().filename();
  const fs::path parent =
      absolute.has_filename() ? absolute.parent_path() : absolute.parent_path().parent_path();
  return parent / ("." + name.string() + ".mlxocr.lock");
}

}  // namespace mlxocr
