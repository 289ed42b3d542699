// One writer per output folder: a second lock fails at once naming the folder and the holder, and
// a holder killed with -9 leaves no stale lock.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include "core/output_lock.h"
#include "mlxocr/error.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::TempDir;

TEST(OutputLock, SecondWriterFailsAtOnceNamingTheFolderAndTheHolder) {
  TempDir dir("lock");
  const fs::path out = dir / "out";
  {
    const OutputLock first(OutputLock::inside(out), out, "ocr");
    const std::string message =
        error_of<UsageError>([&] { OutputLock second(OutputLock::inside(out), out, "train"); });
    EXPECT_NE(message.find(out.string() + ": another mlxocr is writing to this folder"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("pid " + std::to_string(::getpid()) + ", mlxocr ocr"), std::string::npos)
        << message;
  }
  // Released with its owner: the folder can be written again.
  const OutputLock again(OutputLock::inside(out), out, "ocr");
  EXPECT_TRUE(fs::exists(out / ".mlxocr.lock"));
}

TEST(OutputLock, AHolderKilledWithSignalNineLeavesNoStaleLock) {
  TempDir dir("lock-kill");
  const fs::path lock_file = OutputLock::inside(dir.path());
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only system calls in the child of a threaded process: take the lock as OutputLock does.
    const int fd = ::open(lock_file.c_str(), O_CREAT | O_RDWR, 0644);
    if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) ::_exit(1);
    const char byte = 1;
    if (::write(ready[1], &byte, 1) != 1) ::_exit(1);
    for (;;)
      ::pause();
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  EXPECT_THROW(OutputLock(lock_file, dir.path(), "convert"), UsageError);
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_NO_THROW(OutputLock(lock_file, dir.path(), "convert"));
}

TEST(OutputLock, ALockBesideAFolderIsNamedAfterIt) {
  EXPECT_EQ(OutputLock::beside("/data/models/small"), fs::path("/data/models/.small.mlxocr.lock"));
  EXPECT_EQ(OutputLock::beside("/data/models/small/"), fs::path("/data/models/.small.mlxocr.lock"));
}

}  // namespace
}  // namespace mlxocr
