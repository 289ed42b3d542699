// Runs the mlxocr binary the way a user does and captures what it prints.
#pragma once

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_support.h"

namespace mlxocr::testing {

// A path as one shell word for run_cli (single-quoted; the fixtures' paths hold no quote).
inline std::string quoted(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

// The tiny reference checkpoint the CLI tests read with, as one shell word.
inline std::string quoted_model(const std::string& variant = "deit-trocr") {
  return quoted(model_fixture(variant));
}

// An empty folder of this name under the temp directory; what an earlier run left there is gone.
inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

// `args` is appended to the binary path as shell words (quote them yourself where needed).
inline CliResult run_cli(const std::string& args) {
  const auto err_file = std::filesystem::temp_directory_path() /
                        ("mlxocr_cli_err_" + std::to_string(::getpid()) + ".txt");
  const std::string command =
      std::string("'") + MLXOCR_CLI_PATH + "' " + args + " 2>'" + err_file.string() + "'";
  CliResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  std::stringstream text;
  text << err.rdbuf();
  result.err = text.str();
  std::filesystem::remove(err_file);
  return result;
}

}  // namespace mlxocr::testing
