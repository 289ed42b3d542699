// The records of tools/reference/make_training_fixtures.py (tests/fixtures/training/).
#pragma once

#include <mlx/io.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "test_support.h"

namespace mlxocr::testing {

inline std::filesystem::path training_fixtures() {
  return fixtures() / "training";
}

inline std::unordered_map<std::string, mx::array> load_training_tensors(const std::string& name) {
  return mx::load_safetensors((training_fixtures() / (name + ".safetensors")).string()).first;
}

inline nlohmann::json load_training_record(const std::string& name) {
  std::ifstream in(training_fixtures() / (name + ".json"));
  return nlohmann::json::parse(in);
}

}  // namespace mlxocr::testing
