// PLACEHOLDER until branch `data` lands (see dataset.h): the simplest readers that satisfy the
// interface, so that `mlxocr train` builds and is tested meanwhile.
#include "data/dataset.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

void keep(std::vector<Sample>& out, DatasetReport& report, const fs::path& image,
          const std::string& text, const std::string& where) {
  ++report.rows;
  std::error_code ec;
  if (text.empty()) {
    report.problems.push_back(where + ": empty text");
  } else if (!fs::is_regular_file(image, ec)) {
    report.problems.push_back(where + ": image " + image.string() + " not found");
  } else {
    out.push_back({image, text});
    ++report.kept;
  }
}

}  // namespace

std::vector<Sample> load_dataset(const fs::path& source, DatasetReport& report) {
  std::vector<Sample> out;
  std::error_code ec;
  if (fs::is_directory(source, ec)) {
    for (const auto& entry : fs::directory_iterator(source, ec)) {
      if (entry.path().extension() != ".txt") continue;
      std::ifstream in(entry.path());
      std::string text;
      std::getline(in, text);
      for (const char* ext : {".png", ".jpg", ".jpeg"}) {
        fs::path image = entry.path();
        image.replace_extension(ext);
        if (fs::exists(image, ec)) {
          keep(out, report, image, text, entry.path().string());
          break;
        }
      }
    }
    return out;
  }
  std::ifstream in(source);
  if (!in) throw DataError(source.string() + ": cannot read the dataset");
  const fs::path base = source.parent_path();
  std::string line;
  size_t number = 0;
  const bool jsonl = source.extension() == ".jsonl";
  const char separator = source.extension() == ".tsv" ? '\t' : ',';
  while (std::getline(in, line)) {
    ++number;
    const std::string where = source.string() + ":" + std::to_string(number);
    if (jsonl) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("file_name") || !j.contains("text")) {
        ++report.rows;
        report.problems.push_back(where + ": not a {\"file_name\", \"text\"} object");
        continue;
      }
      keep(out, report, base / j["file_name"].get<std::string>(), j["text"].get<std::string>(),
           where);
      continue;
    }
    if (number == 1) continue;  // header
    const size_t cut = line.find(separator);
    if (cut == std::string::npos) {
      ++report.rows;
      report.problems.push_back(where + ": no separator");
      continue;
    }
    keep(out, report, base / line.substr(0, cut), line.substr(cut + 1), where);
  }
  return out;
}

}  // namespace mlxocr
