// Field types of the `--fields` file ("type": "date", ...): what text each accepts, as a pattern
// of generate/text_automaton.h (docs/forms.md lists them with examples).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace mlxocr {

// text (anything), date, number, amount, email, phone, checkbox (read from its ink, not by the
// text model), pattern (with "pattern": a regular expression, or "chars": the allowed characters).
const std::vector<std::string>& field_type_names();

struct FieldType {
  std::string name;     // one of field_type_names(); "" when the entry gives none
  std::string pattern;  // what the whole text must match; "" for text, checkbox and none
};

// The type of fields-file entry `item` (an object). Throws ConfigError naming `file`, the entry
// and the problem: an unknown type, a "pattern" type without "pattern" or "chars", a pattern
// that does not compile.
FieldType parse_field_type(const nlohmann::json& item, const std::string& file, size_t entry);

// A regular expression matching any sequence of the characters of `chars` (UTF-8), at least one.
std::string pattern_of_chars(const std::string& chars);

}  // namespace mlxocr
