#include "pipeline/field_types.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "generate/text_automaton.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

// The built-in types. Deliberately permissive about separators (a clerk writes 12.03.2024,
// 12/3/24 and 2024-03-12), strict about what cannot belong (letters in a number, "%" in a date).
const std::map<std::string, std::string>& builtin_patterns() {
  static const std::map<std::string, std::string> patterns = {
      {"date", R"(\d{1,2}[./-]\d{1,2}[./-](\d{2}|\d{4})|\d{4}[./-]\d{1,2}[./-]\d{1,2})"},
      {"number", R"([-+]?\d+([.,]\d+)?)"},
      {"amount",
       R"([-+]?([$€£] ?)?\d{1,3}([,. ']?\d{3})*([.,]\d{1,2})?( ?([$€£]|EUR|USD|GBP|CHF))?)"},
      {"email", R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)"},
      {"phone", R"(\+?\(?\d[\d ()./-]{4,}\d)"},
  };
  return patterns;
}

std::string entry_name(const std::string& file, size_t entry) {
  return file + ": entry " + std::to_string(entry);
}

}  // namespace

const std::vector<std::string>& field_type_names() {
  static const std::vector<std::string> names = {"text",  "date",  "number",   "amount",
                                                 "email", "phone", "checkbox", "pattern"};
  return names;
}

std::string pattern_of_chars(const std::string& chars) {
  std::string out = "[";
  for (const char c : chars) {
    // Inside a class only these are special to text_automaton's parser.
    if (c == '\\' || c == ']' || c == '[' || c == '^' || c == '-') out += '\\';
    out += c;
  }
  return out + "]+";
}

FieldType parse_field_type(const nlohmann::json& item, const std::string& file, size_t entry) {
  FieldType type;
  if (!item.contains("type")) return type;
  const std::string where = entry_name(file, entry);
  const auto& t = item["type"];
  if (!t.is_string()) throw ConfigError(where + ": \"type\" must be a string");
  type.name = t.get<std::string>();
  const auto& names = field_type_names();
  if (std::find(names.begin(), names.end(), type.name) == names.end()) {
    std::string known;
    for (const std::string& n : names)
      known += (known.empty() ? "" : ", ") + n;
    throw ConfigError(where + ": unknown type \"" + type.name + "\" (known: " + known + ")");
  }
  if (type.name == "pattern") {
    if (item.contains("pattern") && item["pattern"].is_string() &&
        !item["pattern"].get<std::string>().empty()) {
      type.pattern = item["pattern"].get<std::string>();
    } else if (item.contains("chars") && item["chars"].is_string() &&
               !item["chars"].get<std::string>().empty()) {
      type.pattern = pattern_of_chars(item["chars"].get<std::string>());
    } else {
      throw ConfigError(where +
                        ": type \"pattern\" needs \"pattern\" (a regular expression) or "
                        "\"chars\" (the allowed characters) as a non-empty string");
    }
  } else if (const auto found = builtin_patterns().find(type.name);
             found != builtin_patterns().end()) {
    type.pattern = found->second;
  }
  if (!type.pattern.empty()) TextAutomaton check(type.pattern, where);  // throws if malformed
  return type;
}

}  // namespace mlxocr
