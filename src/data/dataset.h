// Training and evaluation datasets. PLACEHOLDER: the interface agreed with branch `data`, which
// owns this file and replaces this minimal version (CSV/TSV, JSONL and sidecar folders with full
// bad-row reporting) when merged.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mlxocr {

struct Sample {
  std::filesystem::path image;
  std::string text;
};

struct DatasetReport {
  size_t rows = 0, kept = 0;
  std::vector<std::string> problems;  // "file:line: why"
};

// CSV/TSV (header file_name,text; paths relative to the data file), .jsonl ({"file_name","text"})
// or a folder of images with .txt sidecars. Throws DataError when the source itself is unusable.
std::vector<Sample> load_dataset(const std::filesystem::path& source, DatasetReport& report);

}  // namespace mlxocr
