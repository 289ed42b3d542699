#include "data/csv.h"

namespace mlxocr {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

class DelimitedParser {
 public:
  DelimitedParser(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {
    if (text_.substr(0, kUtf8Bom.size()) == kUtf8Bom) pos_ = kUtf8Bom.size();
  }

  std::vector<CsvRecord> parse() {
    std::vector<CsvRecord> records;
    while (pos_ < text_.size()) {
      CsvRecord record = next_record();
      const bool blank = record.fields.size() == 1 && record.fields[0].empty() &&
                         record.problem.empty() && !record_had_quotes_;
      if (!blank) records.push_back(std::move(record));
    }
    return records;
  }

 private:
  bool at_line_end() const { return text_[pos_] == '\n' || text_[pos_] == '\r'; }

  // Consumes "\n", "\r\n" or a lone "\r".
  void skip_line_end() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  CsvRecord next_record() {
    CsvRecord record;
    record.line = line_;
    record_had_quotes_ = false;
    while (true) {
      record.fields.push_back(next_field(record));
      if (pos_ >= text_.size()) break;
      if (text_[pos_] == delimiter_) {
        ++pos_;
        continue;
      }
      if (at_line_end()) {
        skip_line_end();
        break;
      }
    }
    return record;
  }

  // Reads one field and leaves pos_ on the delimiter, the line end or the end of the text.
  std::string next_field(CsvRecord& record) {
    std::string field;
    bool quoted = false;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      quoted = record_had_quotes_ = true;
      ++pos_;
      read_quoted(field, record);
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != delimiter_ && !at_line_end())
      ++pos_;
    // RFC 4180 allows nothing between a closing quote and the delimiter; keep the text (as
    // Python's csv module does) but report the row.
    if (quoted && pos_ > start && record.problem.empty()) {
      record.problem = "text after the closing quote of a field";
    }
    field.append(text_.substr(start, pos_ - start));
    return field;
  }

  void read_quoted(std::string& field, CsvRecord& record) {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        return;
      }
      if (c == '\n') ++line_;
      if (c == '\r' && !(pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n')) ++line_;
      field.push_back(c);
      ++pos_;
    }
    record.problem = "quoted field never closed (it runs to the end of the file)";
  }

  std::string_view text_;
  char delimiter_;
  size_t pos_ = 0;
  size_t line_ = 1;
  bool record_had_quotes_ = false;
};

}  // namespace

std::vector<CsvRecord> parse_delimited(std::string_view text, char delimiter) {
  return DelimitedParser(text, delimiter).parse();
}

}  // namespace mlxocr
