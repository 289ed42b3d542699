// Helpers of the tokenizer tests: the fixture folders made by
// tools/reference/make_tokenizer_fixtures.py, their expected.json, and scratch folders.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mlxocr::testing {

inline std::filesystem::path tokenizer_fixture(const std::string& name) {
  return std::filesystem::path(MLXOCR_FIXTURES_DIR) / "tokenizers" / name;
}

// expected.json as transformers loads the tokenizer by default. The xlmr-spm fixture records the
// slow XLMRobertaTokenizer as `reference` and the fast one (what AutoTokenizer and
// TrOCRProcessor load, in transformers 4 and 5 alike) under `other_implementation`: `differences`
// lists the lines the two decode differently (a skipped <unk> between two "▁"), and
// `decode_prefixes` / `decode_random` hold the fast one's decodes of the same cut prefixes and
// random id lists, index by index. mlxocr follows the fast one (docs/tokenizers.md), so its
// decodings replace the slow ones everywhere.
inline void take_decodes(nlohmann::json& record, const nlohmann::json& fast) {
  record["decoded"] = fast["decoded"];
  if (fast.contains("decoded_other_cleanup")) {
    record["decoded_other_cleanup"] = fast["decoded_other_cleanup"];
  } else {
    record.erase("decoded_other_cleanup");
  }
}

inline nlohmann::json read_expected(const std::string& name) {
  std::ifstream in(tokenizer_fixture(name) / "expected.json", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json expected = nlohmann::json::parse(buffer.str());
  const nlohmann::json& other = expected["other_implementation"];
  if (!other.is_object() || other.value("name", "").rfind("XLMRobertaTokenizerFast", 0) != 0) {
    return expected;
  }
  for (const nlohmann::json& difference : other["differences"]) {
    for (nlohmann::json& line : expected["lines"]) {
      if (line["text"] != difference["text"] || !difference["decoded"].is_object()) continue;
      take_decodes(line, difference["decoded"]);
    }
  }
  for (const char* list : {"decode_prefixes", "decode_random"}) {
    nlohmann::json& records = expected[list];
    const nlohmann::json& fast = other.at(list);
    if (fast.size() != records.size()) {
      throw std::runtime_error(std::string("xlmr-spm expected.json: other_implementation.") + list +
                               " does not pair with " + list);
    }
    for (size_t i = 0; i < records.size(); ++i)
      take_decodes(records[i], fast[i]);
  }
  expected["reference"] = other["name"];
  return expected;
}

// A fresh folder under the temporary directory, unique to this process and `tag`; removed by the
// destructor. Other worktrees run their suites on the same machine at the same time.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag)
      : path_(std::filesystem::temp_directory_path() /
              ("mlxocr_" + tag + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

  // Copies some files of a fixture folder into a sub-folder; returns the sub-folder.
  std::filesystem::path copy_fixture(const std::string& fixture, const std::string& sub,
                                     const std::vector<std::string>& files) const {
    const auto dir = path_ / sub;
    std::filesystem::create_directories(dir);
    for (const auto& f : files) {
      std::filesystem::copy_file(tokenizer_fixture(fixture) / f, dir / f,
                                 std::filesystem::copy_options::overwrite_existing);
    }
    return dir;
  }

 private:
  std::filesystem::path path_;
};

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace mlxocr::testing
