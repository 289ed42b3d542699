// Helpers shared by the fuzz targets: the fuzzer's bytes as a file (for entry points that take a
// path) and the one rule every target follows -- mlxocr::Error is the expected way to refuse
// input; any other exception escapes, and libFuzzer reports it as a crash.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "mlxocr/error.h"

namespace mlxocr::fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A folder of this process's own, created once; targets write the input into it under the file
// name the entry point expects (config.json, tokenizer.json, data.csv, ...).
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto path =
        std::filesystem::temp_directory_path() / ("mlxocr-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return dir;
}

inline std::filesystem::path write_scratch(const std::string& name, std::string_view bytes) {
  const auto path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Runs `parse` and swallows the library's own errors: they are the intended answer to bad bytes.
template <typename Parse>
void expect_only_mlxocr_errors(Parse&& parse) {
  try {
    parse();
  } catch (const mlxocr::Error&) {
  }
}

}  // namespace mlxocr::fuzz
