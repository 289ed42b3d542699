// Helpers shared by the tests: fixture paths and comparisons against reference tensors.
#pragma once

#include <gtest/gtest.h>
#include <mlx/mlx.h>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/tensor_map.h"

namespace mlxocr::testing {

// The message of the error `f` throws as E; fails the test when it throws nothing or another type.
template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected exception type: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

namespace mx = mlx::core;

// A JSON file's contents (throws nlohmann's parse error on a malformed or missing file).
inline nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

inline std::filesystem::path fixtures() {
  return MLXOCR_FIXTURES_DIR;
}
inline std::filesystem::path model_fixture(const std::string& variant) {
  return fixtures() / "models" / variant;
}

// A fixture's model.safetensors as the tensors a model binds.
inline TensorMap fixture_tensors(const std::string& variant) {
  TensorMap tensors;
  const auto file = model_fixture(variant) / "model.safetensors";
  for (auto& [name, value] : mx::load_safetensors(file.string()).first)
    tensors.emplace(name, value);
  return tensors;
}

// Every reference checkpoint variant of tools/reference/make_model_fixtures.py.
inline const std::vector<std::string> kModelVariants = {"vit-trocr", "deit-trocr", "odd",
                                                        "vit-trocr-fp16", "deit-trocr-bf16"};

// gtest parameter names may hold letters, digits and underscores only.
struct VariantName {
  std::string operator()(const ::testing::TestParamInfo<std::string>& info) const {
    std::string name = info.param;
    for (char& c : name)
      c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return name;
  }
};

// Largest absolute difference between two arrays of the same shape, computed in float32.
inline float max_abs_diff(const mx::array& a, const mx::array& b) {
  mx::array d = mx::max(mx::abs(mx::astype(a, mx::float32) - mx::astype(b, mx::float32)));
  mx::eval(d);
  return d.item<float>();
}

// Largest absolute value, to make tolerances scale-aware.
inline float max_abs(const mx::array& a) {
  mx::array m = mx::max(mx::abs(mx::astype(a, mx::float32)));
  mx::eval(m);
  return m.item<float>();
}

}  // namespace mlxocr::testing
