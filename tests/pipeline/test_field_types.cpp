// Typed --fields entries: every type parses and accepts what docs/forms.md says it accepts (and
// refuses the readings the issue saw: "1 %" for a number, "41 %" for a date); unknown types and
// bad patterns are refused naming the file and the entry; the old forms stay valid.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "generate/text_automaton.h"
#include "mlxocr/error.h"
#include "pipeline/field_names.h"
#include "pipeline/field_types.h"
#include "test_support.h"

namespace mlxocr {
namespace {

const std::vector<Box> kBoxes = {{10, 10, 100, 20}, {120, 10, 100, 20}, {10, 50, 100, 20}};

FieldType type_of(const std::string& entry) {
  return parse_field_type(nlohmann::json::parse(entry), "types.json", 0);
}

bool accepts(const std::string& type, const std::string& text) {
  TextAutomaton a(type_of(R"({"name": "x", "type": ")" + type + "\"}").pattern, "test");
  return a.matches(text);
}

TEST(FieldTypes, BuiltInTypesAcceptTheirShapes) {
  for (const char* ok : {"12.03.2024", "12/3/24", "2024-03-12", "1-1-99"})
    EXPECT_TRUE(accepts("date", ok)) << ok;
  for (const char* bad : {"41 %", "12.03", "12.03.2024x", "2024/03"})
    EXPECT_FALSE(accepts("date", bad)) << bad;
  for (const char* ok : {"12", "-3", "3.5", "0,25"})
    EXPECT_TRUE(accepts("number", ok)) << ok;
  for (const char* bad : {"1 %", "VA", "1.", ""})
    EXPECT_FALSE(accepts("number", bad)) << bad;
  for (const char* ok : {"1,234.50", "$ 12", "12 EUR", "€1 234,50", "-7.5", "1'000"})
    EXPECT_TRUE(accepts("amount", ok)) << ok;
  for (const char* bad : {"12 %", "1,2345.6", "EUR"})
    EXPECT_FALSE(accepts("amount", bad)) << bad;
  EXPECT_TRUE(accepts("email", "jane.doe+x@example.co.uk"));
  EXPECT_FALSE(accepts("email", "jane@localhost"));
  EXPECT_FALSE(accepts("email", "jane doe@example.com"));
  EXPECT_TRUE(accepts("phone", "+41 44 123 45 67"));
  EXPECT_TRUE(accepts("phone", "(030) 123-4567"));
  EXPECT_FALSE(accepts("phone", "12"));
  EXPECT_FALSE(accepts("phone", "call me"));
}

TEST(FieldTypes, PatternsAndCharacterSets) {
  EXPECT_EQ(type_of(R"({"name": "zip", "type": "pattern", "pattern": "\\d{4}"})").pattern,
            "\\d{4}");
  TextAutomaton hex(
      type_of(R"({"name": "h", "type": "pattern", "chars": "0123456789ABCDEF-]"})").pattern, "t");
  EXPECT_TRUE(hex.matches("DEAD-BEEF]"));
  EXPECT_FALSE(hex.matches("dead"));
  EXPECT_FALSE(hex.matches(""));
  EXPECT_TRUE(type_of(R"({"name": "t", "type": "text"})").pattern.empty());
  EXPECT_TRUE(type_of(R"({"name": "c", "type": "checkbox"})").pattern.empty());
  EXPECT_EQ(type_of(R"({"name": "c", "type": "checkbox"})").name, "checkbox");
  EXPECT_TRUE(type_of(R"({"name": "n"})").name.empty());
}

TEST(FieldTypes, BadTypesAreRefusedNamingFileAndEntry) {
  const auto refused = [](const std::string& json, const std::string& fragment) {
    const std::string message =
        testing::error_of<ConfigError>([&] { parse_field_specs(json, "types.json", kBoxes); });
    EXPECT_NE(message.find("types.json: entry 1"), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  };
  refused(R"(["a", {"index": 2, "name": "b", "type": "dat"}])", "unknown type \"dat\"");
  refused(R"(["a", {"index": 2, "name": "b", "type": 3}])", "must be a string");
  refused(R"(["a", {"index": 2, "name": "b", "type": "pattern"}])", "needs \"pattern\"");
  refused(R"(["a", {"index": 2, "name": "b", "type": "pattern", "pattern": ""}])",
          "needs \"pattern\"");
  refused(R"(["a", {"index": 2, "name": "b", "type": "pattern", "pattern": "(ab"}])",
          "missing ')'");
}

TEST(FieldTypes, SpecsKeepTheOldFormsAndAddTypes) {
  const auto specs = parse_field_specs(
      R"(["a", {"index": 3, "name": "dob", "type": "date"}, {"x": 125, "y": 15, "name": "b"}])",
      "types.json", kBoxes);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].name, "a");
  EXPECT_TRUE(specs[0].type.name.empty());
  EXPECT_EQ(specs[1].name, "b");
  EXPECT_EQ(specs[2].name, "dob");
  EXPECT_EQ(specs[2].type.name, "date");
  EXPECT_FALSE(specs[2].type.pattern.empty());
  EXPECT_EQ(parse_field_names(R"(["a", {"index": 3, "name": "dob", "type": "date"}])", "types.json",
                              kBoxes),
            (std::vector<std::string>{"a", "", "dob"}));
}

}  // namespace
}  // namespace mlxocr
