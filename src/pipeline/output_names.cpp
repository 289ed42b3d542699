#include "pipeline/output_names.h"

#include <filesystem>
#include <map>
#include <set>

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

// The names of the aggregate files written beside the per-input ones (results.json, .csv).
const char* kAggregateName = "results";

fs::path absolute_path(const std::string& file) {
  std::error_code ec;
  fs::path path = fs::absolute(file, ec);
  return (ec ? fs::path(file) : path).lexically_normal();
}

// The deepest folder holding every path.
fs::path common_folder(const std::vector<fs::path>& paths) {
  fs::path root = paths.front().parent_path();
  for (const fs::path& path : paths) {
    const fs::path folder = path.parent_path();
    fs::path shared;
    auto a = root.begin(), b = folder.begin();
    for (; a != root.end() && b != folder.end() && *a == *b; ++a, ++b)
      shared /= *a;
    root = shared;
  }
  return root;
}

std::string generic(const fs::path& path) {
  std::string text = path.generic_string();
  return text.empty() ? "image" : text;
}

}  // namespace

std::vector<std::string> output_names(const std::vector<std::string>& files) {
  if (files.empty()) return {};
  std::vector<fs::path> paths;
  for (const std::string& file : files)
    paths.push_back(absolute_path(file));
  const fs::path root = common_folder(paths);
  std::vector<std::string> full, names;
  for (const fs::path& path : paths) {
    const fs::path relative = path.lexically_relative(root);
    full.push_back(generic(relative));
    const std::string short_name = generic(relative.parent_path() / relative.stem());
    names.push_back(short_name == kAggregateName ? full.back() : short_name);
  }
  // Inputs sharing a name keep their extension, until no two different inputs share one (full
  // names differ for different paths, so this ends; each round only depends on the set).
  for (bool changed = true; changed;) {
    changed = false;
    std::map<std::string, std::set<std::string>> owners;  // name -> full names using it
    for (size_t i = 0; i < names.size(); ++i)
      owners[names[i]].insert(full[i]);
    for (size_t i = 0; i < names.size(); ++i) {
      if (owners[names[i]].size() > 1 && names[i] != full[i]) {
        names[i] = full[i];
        changed = true;
      }
    }
  }
  return names;
}

}  // namespace mlxocr
