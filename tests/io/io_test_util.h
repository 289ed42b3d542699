// Shared helpers of the checkpoint reader tests: fixture paths, the reference's expectations
// (tests/fixtures/io/expected.json, written by tools/reference/make_io_fixtures.py) and
// error-message checks.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include <mlx/mlx.h>
#include <nlohmann/json.hpp>

#include "io/tensor_map.h"
#include "mlxocr/error.h"

namespace mlxocr::io_test {

namespace fs = std::filesystem;

inline fs::path fixture(const std::string& name) {
  return fs::path(MLXOCR_FIXTURES_DIR) / "io" / name;
}

inline const nlohmann::json& expected() {
  static const nlohmann::json parsed = [] {
    std::ifstream in(fixture("expected.json"));
    return nlohmann::json::parse(in);
  }();
  return parsed;
}

inline std::string dtype_name(mx::Dtype dtype) {
  switch (dtype.val()) {
    case mx::Dtype::Val::bool_:
      return "bool";
    case mx::Dtype::Val::uint8:
      return "uint8";
    case mx::Dtype::Val::int8:
      return "int8";
    case mx::Dtype::Val::int16:
      return "int16";
    case mx::Dtype::Val::int32:
      return "int32";
    case mx::Dtype::Val::int64:
      return "int64";
    case mx::Dtype::Val::float16:
      return "float16";
    case mx::Dtype::Val::bfloat16:
      return "bfloat16";
    case mx::Dtype::Val::float32:
      return "float32";
    case mx::Dtype::Val::float64:
      return "float64";
    default:
      return "other";
  }
}

// The raw little-endian bits of every element, as expected.json records them.
inline std::vector<std::uint64_t> element_bits(mx::array array) {
  array = mx::contiguous(array);
  array.eval();
  std::vector<std::uint64_t> bits(array.size());
  if (array.size() == 0) return bits;
  const auto* bytes = array.data<std::uint8_t>();
  const std::size_t item = array.itemsize();
  for (std::size_t i = 0; i < bits.size(); ++i) {
    std::uint64_t value = 0;
    std::memcpy(&value, bytes + i * item, item);
    bits[i] = value;
  }
  return bits;
}

inline void expect_tensor_matches(const mx::array& array, const nlohmann::json& reference,
                                  const std::string& name) {
  SCOPED_TRACE("tensor '" + name + "'");
  EXPECT_EQ(dtype_name(array.dtype()), reference["dtype"].get<std::string>());
  std::vector<int> shape(array.shape().begin(), array.shape().end());
  ASSERT_EQ(shape, reference["shape"].get<std::vector<int>>());
  const std::vector<std::uint64_t> bits = element_bits(array);
  const auto want = reference["bits"].get<std::vector<std::uint64_t>>();
  ASSERT_EQ(bits.size(), want.size());
  for (std::size_t i = 0; i < bits.size(); ++i)
    ASSERT_EQ(bits[i], want[i]) << "element " << i << " differs from the reference";
}

// `tensors` holds exactly the tensors expected.json lists for `file_key`, bit for bit.
inline void expect_matches_reference(const TensorMap& tensors, const std::string& file_key) {
  SCOPED_TRACE("fixture " + file_key);
  const nlohmann::json& reference = expected()["files"][file_key];
  ASSERT_FALSE(reference.empty());
  std::vector<std::string> got, want;
  for (const auto& [name, array] : tensors)
    got.push_back(name);
  for (const auto& [name, entry] : reference.items())
    want.push_back(name);
  ASSERT_EQ(got, want);
  for (const auto& [name, entry] : reference.items())
    expect_tensor_matches(tensors.at(name), entry, name);
}

// Runs `action`, which must throw CheckpointError whose message holds every fragment.
template <typename Action>
void expect_checkpoint_error(Action&& action, std::initializer_list<std::string> fragments) {
  try {
    action();
    ADD_FAILURE() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    const std::string message = e.what();
    for (const std::string& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "message lacks '" << fragment << "': " << message;
  }
}

// A fresh folder for one test; removed when the test ends.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("mlxocr_io_" + std::string(info->test_suite_name()) + "_" +
                                         info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace mlxocr::io_test
