#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_util.h"
#include "io/npy.h"
#include "mlxocr/error.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const char* name) {
  const fs::path dir = fs::temp_directory_path() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(Npy, WritesTheBytesNumpyWrites) {
  // A float32 tensor written by numpy.save in tools/reference.
  const fs::path numpy_file =
      fs::path(MLXOCR_FIXTURES_DIR) / "images" / "expected" / "bicubic_32x96" / "photo.bmp.npy";
  std::vector<int64_t> shape;
  const std::vector<float> values = read_npy_f32(numpy_file, shape);
  ASSERT_EQ(shape, (std::vector<int64_t>{3, 32, 96}));
  const fs::path dir = temp_dir("mlxocr_npy_test");
  write_npy(dir / "ours.npy", values.data(), shape);
  EXPECT_EQ(read_file(dir / "ours.npy", 1 << 20), read_file(numpy_file, 1 << 20));
  fs::remove_all(dir);
}

TEST(Npy, RoundTripsShapes) {
  const fs::path dir = temp_dir("mlxocr_npy_test2");
  const std::vector<float> data = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, 7.0f};
  for (const std::vector<int64_t>& shape :
       {std::vector<int64_t>{}, {6}, {2, 3}, {1, 2, 3}, {0, 4}, {1, 3, 1, 2}}) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    write_npy(dir / "a.npy", data.data(), shape);
    std::vector<int64_t> read_shape;
    const std::vector<float> back = read_npy_f32(dir / "a.npy", read_shape);
    EXPECT_EQ(read_shape, shape);
    EXPECT_EQ(back, std::vector<float>(data.begin(), data.begin() + n));
    // numpy keeps headers 64-byte aligned.
    const std::string bytes = read_file(dir / "a.npy", 1 << 20);
    EXPECT_EQ((bytes.size() - n * 4) % 64, 0u);
  }
  fs::remove_all(dir);
}

TEST(Npy, RefusesBadFiles) {
  const fs::path dir = temp_dir("mlxocr_npy_test3");
  const std::vector<float> data(12, 1.0f);
  write_npy(dir / "good.npy", data.data(), {3, 4});
  const std::string good = read_file(dir / "good.npy", 1 << 20);
  auto expect_error = [&](const std::string& bytes, const std::string& phrase) {
    write_file_atomic(dir / "bad.npy", bytes);
    try {
      std::vector<int64_t> shape;
      read_npy_f32(dir / "bad.npy", shape);
      ADD_FAILURE() << "expected FileError: " << phrase;
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find("bad.npy"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
    }
  };
  expect_error("not an npy", "bad magic");
  expect_error(good.substr(0, good.size() - 4), "needs 48");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  expect_error(fortran, "Fortran");
  std::string f8 = good;
  f8.replace(f8.find("<f4"), 3, "<f8");
  expect_error(f8, "needs 96");
  std::string object = good;
  object.replace(object.find("<f4"), 3, "|O8");
  expect_error(object, "unsupported npy dtype");
  // A shape far larger than the file may hold is refused before allocating.
  std::string huge = good;
  const std::string huge_shape = "(999999999999, 4), }";  // eats padding: same header length
  huge.replace(huge.find("(3, 4), }"), huge_shape.size(), huge_shape);
  ASSERT_EQ(huge.size(), good.size());
  expect_error(huge, "larger than the file allows");
  std::vector<int64_t> shape;
  EXPECT_THROW(read_npy_f32(dir / "good.npy", shape, 50), FileError);  // over max_bytes
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mlxocr
