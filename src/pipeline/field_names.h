// Names for a form template's boxes, from the `--fields` JSON file (README, `mlxocr ocr`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mlxocr/box.h"
#include "pipeline/field_types.h"

namespace mlxocr {

// One box's entry of the fields file: its name and, optionally, its type.
struct FieldSpec {
  std::string name;
  FieldType type;
};

// Names for `boxes` (in reading order) from `json_text`: ["surname", "first name", ...] by
// reading order, or objects {"index": 3, "name": ...} (1-based) / {"x": .., "y": .., "name": ..}
// (the box containing that template point), optionally under a top-level "fields" key. Boxes no
// entry names get "". Throws ConfigError naming `file` and the entry at fault.
std::vector<std::string> parse_field_names(std::string_view json_text, const std::string& file,
                                           const std::vector<Box>& boxes);

// parse_field_names on the contents of `file` (at most 16 MiB); all "" when `file` is empty.
std::vector<std::string> load_field_names(const std::string& file, const std::vector<Box>& boxes);

// The same with types: an object entry may add "type" (field_types.h); a string entry has none.
std::vector<FieldSpec> parse_field_specs(std::string_view json_text, const std::string& file,
                                         const std::vector<Box>& boxes);
std::vector<FieldSpec> load_field_specs(const std::string& file, const std::vector<Box>& boxes);

}  // namespace mlxocr
