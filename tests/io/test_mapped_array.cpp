// Tensors loaded from safetensors as arrays over the file's mapping (io/mapped_array.h): where
// their bytes live, that nothing written reaches the file, that they outlive the loader, and the
// cases that fall back to a copy.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include <mlx/mlx.h>

#include "io/io_test_util.h"
#include "io/mapped_array.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"

namespace mlxocr::io_test {
namespace {

// The file (or "[heap]", or "") whose mapping holds `address`, from /proc/self/maps.
std::string file_mapped_at(const void* address) {
  std::ifstream maps("/proc/self/maps");
  const auto where = reinterpret_cast<std::uintptr_t>(address);
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long long begin = 0, end = 0;
    char path[4096] = {0};
    if (std::sscanf(line.c_str(), "%llx-%llx %*s %*s %*s %*s %4095[^\n]", &begin, &end, path) < 2)
      continue;
    if (where >= begin && where < end) return std::string(path);
  }
  return "";
}

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class MappedArray : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!mapped_arrays_supported())
      GTEST_SKIP() << "a GPU backend or MLXOCR_MAP_WEIGHTS=0: tensors are copied";
  }
};

TEST(MappedArraySupport, OnTheCpuBackendUnlessTurnedOff) {
  const char* setting = std::getenv("MLXOCR_MAP_WEIGHTS");
  const bool off = setting != nullptr && std::string(setting) == "0";
  EXPECT_EQ(mapped_arrays_supported(), !off && !mx::is_available(mx::Device::gpu));
}

TEST_F(MappedArray, LoadedTensorsLieInTheFileAndMatchTheReference) {
  const fs::path file = fixture("tensors.safetensors");
  const TensorMap tensors = load_safetensors(file);
  expect_matches_reference(tensors, "tensors.safetensors");
  const mx::array& matrix = tensors.at("f32_3d");
  EXPECT_EQ(fs::path(file_mapped_at(matrix.data<float>())), fs::canonical(file));
  // float64 is narrowed to float32 while loading: a copy, in ordinary memory.
  EXPECT_NE(fs::path(file_mapped_at(tensors.at("f64_vec").data<float>())), fs::canonical(file));
}

TEST_F(MappedArray, NeitherMlxNorAWriterChangesTheFile) {
  TempDir dir;
  const fs::path file = dir.path() / "weights.safetensors";
  save_safetensors(file, {{"w", mx::arange(0.0f, 4096.0f, 1.0f)}});
  const std::string before = file_bytes(file);
  {
    TensorMap tensors = load_safetensors(file);
    mx::array w = std::move(tensors.at("w"));
    tensors.clear();
    float* mapped = w.data<float>();
    ASSERT_EQ(fs::path(file_mapped_at(mapped)), fs::canonical(file));
    // Even holding the only reference, MLX does not reuse a buffer it does not own for an
    // operation's output: the sum gets memory of its own.
    mx::array sum = mx::add(w, mx::array(1.0f));
    w = mx::array(0.0f);
    mx::eval(sum);
    EXPECT_NE(sum.data<float>(), mapped);
    EXPECT_EQ(sum.data<float>()[4095], 4096.0f);
    // A writer all the same (the mapping is private and writable for this) changes only the
    // process's own copy of the page.
    mx::array again = load_safetensors(file).at("w");
    again.data<float>()[7] = -1.0f;
    EXPECT_EQ(again.data<float>()[7], -1.0f);
  }
  EXPECT_EQ(file_bytes(file), before);
  EXPECT_EQ(load_safetensors(file).at("w").data<float>()[7], 7.0f);
}

TEST_F(MappedArray, ATensorKeepsTheMappingAfterTheOthersAreGone) {
  TempDir dir;
  const fs::path file = dir.path() / "weights.safetensors";
  save_safetensors(file, {{"a", mx::full({3000}, 2.5f)}, {"b", mx::full({5000}, -1.0f)}});
  mx::array kept = [&] {
    TensorMap tensors = load_safetensors(file);
    return tensors.at("b");
  }();
  fs::remove(file);  // the mapping holds the file's pages, as an open descriptor would
  ASSERT_EQ(kept.size(), 5000u);
  EXPECT_EQ(mx::all(mx::equal(kept, mx::array(-1.0f))).item<bool>(), true);
}

TEST_F(MappedArray, AFreedTensorLeavesTheMappingAndTheOthersStay) {
  TempDir dir;
  const fs::path file = dir.path() / "weights.safetensors";
  save_safetensors(file, {{"a", mx::full({40000}, 1.0f)},
                          {"b", mx::full({40000}, 2.0f)},
                          {"c", mx::full({40000}, 3.0f)}});
  TensorMap tensors = load_safetensors(file);
  const float* b = tensors.at("b").data<float>();
  ASSERT_EQ(fs::path(file_mapped_at(b + 20000)), fs::canonical(file));
  tensors.erase("b");
  // Its whole pages are unmapped: reading a neighbour cannot map them back.
  EXPECT_NE(fs::path(file_mapped_at(b + 20000)), fs::canonical(file));
  EXPECT_EQ(mx::sum(tensors.at("a")).item<float>(), 40000.0f);
  EXPECT_EQ(mx::sum(tensors.at("c")).item<float>(), 120000.0f);
}

TEST_F(MappedArray, FreeingATensorKeepsTheNextOnesSizeFieldReadable) {
  // MLX reads the 8 bytes before a buffer's data as its size (mx::contiguous does); for a
  // tensor starting on a page those bytes end the page of the tensor before it.
  TempDir dir;
  const fs::path file = dir.path() / "bytes.bin";
  std::ofstream(file, std::ios::binary) << std::string(3 * 4096, '\0');
  const auto mapped = std::make_shared<const MappedFile>(file, MappedFile::Access::copy_on_write);
  std::optional<mx::array> before = array_over_mapping(mapped, 8, {(8192 - 8) / 4}, mx::float32);
  std::optional<mx::array> after = array_over_mapping(mapped, 8192, {1024}, mx::float32);
  ASSERT_TRUE(before && after);
  before.reset();
  mx::array copy = mx::contiguous(*after);
  after.reset();
  EXPECT_EQ(mx::sum(copy).item<float>(), 0.0f);
}

TEST_F(MappedArray, MisalignedOrOutOfRangeBytesAreLeftToTheCopyingPath) {
  TempDir dir;
  const fs::path file = dir.path() / "bytes.bin";
  std::ofstream(file, std::ios::binary) << std::string(8192, '\x01');
  const auto mapped = std::make_shared<const MappedFile>(file, MappedFile::Access::copy_on_write);
  EXPECT_TRUE(array_over_mapping(mapped, 64, {16}, mx::float32).has_value());
  EXPECT_FALSE(array_over_mapping(mapped, 66, {16}, mx::float32).has_value());         // misaligned
  EXPECT_FALSE(array_over_mapping(mapped, 8192 - 32, {16}, mx::float32).has_value());  // past end
  EXPECT_FALSE(array_over_mapping(mapped, 64, {0}, mx::float32).has_value());          // empty
  const auto read_only = std::make_shared<const MappedFile>(file);
  EXPECT_FALSE(array_over_mapping(read_only, 64, {16}, mx::float32).has_value());
}

}  // namespace
}  // namespace mlxocr::io_test
