#include "pipeline/field_names.h"

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"

namespace mlxocr {
namespace {

// A field name goes verbatim into text, CSV, TSV and hOCR output: control characters (a newline
// would forge a record, an escape sequence would drive the reader's terminal) are refused.
std::string checked_field_name(const std::string& file, size_t entry, const std::string& name) {
  constexpr size_t kMaxNameBytes = 256;
  if (name.size() > kMaxNameBytes) {
    throw LimitError(file, "entry " + std::to_string(entry) + ".name",
                     "a name of " + std::to_string(name.size()) + " bytes",
                     std::to_string(kMaxNameBytes) + " bytes");
  }
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      char code[8];
      std::snprintf(code, sizeof code, "0x%02X", byte);
      throw UsageError(file + ": entry " + std::to_string(entry) +
                       ": the field name holds a control character (" + code +
                       "); names may not contain newlines, tabs or escape codes");
    }
  }
  return name;
}

}  // namespace

std::vector<std::string> parse_field_names(std::string_view json_text, const std::string& file,
                                           const std::vector<Box>& boxes) {
  std::vector<std::string> names;
  for (const FieldSpec& spec : parse_field_specs(json_text, file, boxes))
    names.push_back(spec.name);
  return names;
}

std::vector<FieldSpec> parse_field_specs(std::string_view json_text, const std::string& file,
                                         const std::vector<Box>& boxes) {
  std::vector<FieldSpec> names(boxes.size());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
    throw ConfigError(file + ": malformed JSON: " + e.what());
  }
  if (j.is_object() && j.contains("fields")) j = j["fields"];
  if (!j.is_array()) throw ConfigError(file + ": expected an array of field names or objects");
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& item = j[i];
    if (item.is_string()) {
      if (i < names.size()) names[i].name = checked_field_name(file, i, item.get<std::string>());
      continue;
    }
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
      throw ConfigError(file + ": entry " + std::to_string(i) +
                        " must be a string or an object with a \"name\"");
    }
    const FieldSpec spec{checked_field_name(file, i, item["name"]),
                         parse_field_type(item, file, i)};
    const std::string& name = spec.name;
    if (item.contains("index") && item["index"].is_number_integer()) {
      // Compared as written: narrowing first would turn 4294967297 into box 1.
      const auto& index = item["index"];
      const bool in_range =
          index.is_number_unsigned()
              ? index.get<std::uint64_t>() - 1 < names.size()
              : index.get<std::int64_t>() >= 1 &&
                    static_cast<std::uint64_t>(index.get<std::int64_t>()) <= names.size();
      if (!in_range) {
        throw LimitError(file, "entry " + std::to_string(i) + ".index",
                         index.dump() + " is not one of the template's " +
                             std::to_string(names.size()) + " boxes",
                         "1.." + std::to_string(names.size()));
      }
      names[index.get<std::uint64_t>() - 1] = spec;
    } else if (item.contains("x") && item.contains("y") && item["x"].is_number() &&
               item["y"].is_number()) {
      const double x = item["x"], y = item["y"];
      bool found = false;
      for (size_t b = 0; b < boxes.size() && !found; ++b) {
        if (x >= boxes[b].x && x < boxes[b].right() && y >= boxes[b].y && y < boxes[b].bottom()) {
          names[b] = spec;
          found = true;
        }
      }
      if (!found) throw ConfigError(file + ": field '" + name + "' lies in no template box");
    } else {
      throw ConfigError(file + ": entry " + std::to_string(i) + " needs \"index\" or \"x\"/\"y\"");
    }
  }
  return names;
}

std::vector<std::string> load_field_names(const std::string& file, const std::vector<Box>& boxes) {
  if (file.empty()) return std::vector<std::string>(boxes.size());
  return parse_field_names(read_file(file, 16 << 20), file, boxes);
}

std::vector<FieldSpec> load_field_specs(const std::string& file, const std::vector<Box>& boxes) {
  if (file.empty()) return std::vector<FieldSpec>(boxes.size());
  return parse_field_specs(read_file(file, 16 << 20), file, boxes);
}

}  // namespace mlxocr
