#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_util.h"
#include "mlxocr/error.h"

namespace fs = std::filesystem;
using namespace mlxocr;

TEST(FileUtil, AtomicWriteThenReadBack) {
  const fs::path dir = fs::temp_directory_path() / "mlxocr_file_util_test";
  fs::remove_all(dir);
  write_file_atomic(dir / "a.txt", "hello");
  EXPECT_EQ(read_file(dir / "a.txt", 100), "hello");
  write_file_atomic(dir / "a.txt", "replaced");
  EXPECT_EQ(read_file(dir / "a.txt", 100), "replaced");
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
  fs::remove_all(dir);
}

TEST(FileUtil, ReadRefusesMissingDirectoryAndOversized) {
  const fs::path dir = fs::temp_directory_path() / "mlxocr_file_util_test2";
  fs::remove_all(dir);
  fs::create_directories(dir);
  EXPECT_THROW(read_file(dir / "missing.bin", 10), FileError);
  EXPECT_THROW(read_file(dir, 10), FileError);
  write_file_atomic(dir / "big.bin", std::string(64, 'x'));
  try {
    read_file(dir / "big.bin", 10);
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("big.bin"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("64 bytes"), std::string::npos);
  }
  fs::remove_all(dir);
}
