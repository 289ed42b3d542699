// --fields files: names by reading order, by index and by template point; every malformed file
// refused with its name. Cases found by fuzz/fields.cpp are kept here as regressions.
#include <gtest/gtest.h>

#include "mlxocr/error.h"
#include "pipeline/field_names.h"

namespace mlxocr {
namespace {

const std::vector<Box> kBoxes = {{10, 10, 100, 20}, {120, 10, 100, 20}, {10, 50, 100, 20}};

std::vector<std::string> parse(const std::string& json) {
  return parse_field_names(json, "names.json", kBoxes);
}

void expect_refused(const std::string& json, const std::string& fragment) {
  try {
    parse(json);
    FAIL() << "accepted: " << json;
  } catch (const Error& e) {  // ConfigError, or LimitError for an index out of range
    EXPECT_NE(std::string(e.what()).find("names.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(FieldNames, ByReadingOrderIndexAndPoint) {
  EXPECT_EQ(parse(R"(["a", "b"])"), (std::vector<std::string>{"a", "b", ""}));
  EXPECT_EQ(parse(R"({"fields": [{"index": 3, "name": "c"}, {"x": 125.5, "y": 29, "name": "b"}]})"),
            (std::vector<std::string>{"", "b", "c"}));
  // More names than boxes: the extra ones name nothing.
  EXPECT_EQ(parse(R"(["a", "b", "c", "d"])"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(FieldNames, MalformedFilesAreRefusedByName) {
  expect_refused("[", "malformed JSON");
  // A number beyond double: nlohmann throws out_of_range, not parse_error, and it escaped as an
  // "internal error" without the file's name (found by fuzz/fields.cpp).
  expect_refused("[2e147483648]", "malformed JSON");
  expect_refused(R"({"names": []})", "expected an array");
  expect_refused("[3]", "entry 0 must be a string or an object");
  expect_refused(R"([{"name": "a"}])", "needs \"index\" or \"x\"/\"y\"");
  expect_refused(R"([{"x": 0, "y": 0, "name": "a"}])", "lies in no template box");
  expect_refused(R"([{"index": 0, "name": "a"}])", "index: 0 is not one of the template's 3");
  expect_refused(R"([{"index": 4, "name": "a"}])", "index: 4 is not");
  expect_refused(R"([{"index": -1, "name": "a"}])", "index: -1 is not");
}

// An index beyond int's range used to be narrowed first: 4294967297 named box 1 and
// 18446744073709551615 was reported as index -1.
TEST(FieldNames, IndexesBeyondIntAreRefusedAsWritten) {
  expect_refused(R"([{"index": 4294967297, "name": "a"}])", "index: 4294967297 is not");
  expect_refused(R"([{"index": 18446744073709551615, "name": "a"}])",
                 "index: 18446744073709551615 is not");
  expect_refused(R"([{"index": -9223372036854775808, "name": "a"}])",
                 "index: -9223372036854775808 is not");
}

}  // namespace
}  // namespace mlxocr
