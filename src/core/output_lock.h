// One writer per output folder: an flock'd file held while a command writes the folder. The
// kernel releases the lock when the process ends, however it ends (kill -9 included), so a lock
// is never stale; a second writer fails at once, naming the folder and the process holding it.
#pragma once

#include <filesystem>
#include <string>

namespace mlxocr {

class OutputLock {
 public:
  // Locks `lock_file` (created when missing, its folder too) on behalf of the output `folder`,
  // and records in it who holds it ("pid N, mlxocr COMMAND"). Throws UsageError when another
  // process (or another OutputLock of this one) holds it, FileError when it cannot be created.
  OutputLock(const std::filesystem::path& lock_file, const std::filesystem::path& folder,
             const std::string& command);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  // The lock file of a folder written in place (ocr -o, train -o): FOLDER/.mlxocr.lock.
  static std::filesystem::path inside(const std::filesystem::path& folder);
  // The lock file of a folder replaced as a whole (convert -o): .NAME.mlxocr.lock beside it.
  static std::filesystem::path beside(const std::filesystem::path& folder);

 private:
  int fd_ = -1;
};

}  // namespace mlxocr
