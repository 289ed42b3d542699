// Access to the image fixtures recorded by tools/reference/make_image_fixtures.py.
#pragma once

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "image/resize.h"
#include "io/npy.h"

namespace mlxocr::test {

inline std::filesystem::path image_fixtures() {
  return std::filesystem::path(MLXOCR_FIXTURES_DIR) / "images";
}

// expected/index.json: images, configs, expected files, bad inputs, library versions.
inline const nlohmann::json& image_index() {
  static const nlohmann::json index =
      nlohmann::json::parse(read_file(image_fixtures() / "expected" / "index.json", 1 << 22));
  return index;
}

// The resize order of the Pillow a fixture set was recorded with ("10.4.0" -> Pillow 12's order,
// "13.0.0" -> Pillow 13's): fixtures are compared with what their own Pillow does.
inline PillowResizeOrder pillow_order_of(const std::string& pillow_version) {
  const int major = std::stoi(pillow_version);
  return major >= 13 ? PillowResizeOrder::kPillow13 : PillowResizeOrder::kPillow12;
}

// The order of the Pillow that recorded expected/index.json.
inline PillowResizeOrder recorded_pillow_order() {
  return pillow_order_of(image_index()["versions"]["pillow"].get<std::string>());
}

// The values of a fixture .npy of the given dtype ('<f4', '<f8', '|u1', '<u4').
template <typename T>
std::vector<T> npy_values(const std::string& relative, const std::string& dtype,
                          std::vector<int64_t>* shape = nullptr) {
  const NpyArray array = read_npy(image_fixtures() / relative);
  if (array.dtype != dtype) {
    throw std::runtime_error(relative + ": dtype " + array.dtype + ", expected " + dtype);
  }
  if (shape) *shape = array.shape;
  std::vector<T> values(static_cast<size_t>(array.size()));
  if (!values.empty()) std::memcpy(values.data(), array.bytes.data(), array.bytes.size());
  return values;
}

}  // namespace mlxocr::test
