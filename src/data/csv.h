// RFC 4180 delimited text (CSV, and TSV read the same way with a tab), parsed without surprises:
// quoted fields may hold delimiters, doubled quotes and line breaks; CRLF and LF both end records.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mlxocr {

struct CsvRecord {
  size_t line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
  // Set when the record is malformed (a quote never closed, text after a closing quote); the
  // fields are then what could be read.
  std::string problem;
};

// Splits `text` into records. A UTF-8 byte order mark at the start is skipped. Blank lines are
// not records. A quote never closed makes the last record malformed (it runs to the end).
std::vector<CsvRecord> parse_delimited(std::string_view text, char delimiter);

}  // namespace mlxocr
