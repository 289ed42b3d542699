// RFC 4180 parsing: every construct a spreadsheet or Python's csv module writes.
#include <gtest/gtest.h>

#include "data/csv.h"

namespace mlxocr {
namespace {

using Fields = std::vector<std::string>;

TEST(Csv, PlainRecordsWithLfAndCrlf) {
  const auto records = parse_delimited("a,b\r\nc,d\ne,f", ',');
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, (Fields{"a", "b"}));
  EXPECT_EQ(records[1].fields, (Fields{"c", "d"}));
  EXPECT_EQ(records[2].fields, (Fields{"e", "f"}));
  EXPECT_EQ(records[2].line, 3u);
  for (const auto& r : records)
    EXPECT_TRUE(r.problem.empty());
}

TEST(Csv, QuotedFieldsHoldDelimitersQuotesAndNewlines) {
  const auto records = parse_delimited(
      "file_name,text\n\"a,b.png\",\"say \"\"hi\"\"\"\nx.png,\"two\nlines\"\ny,z\n", ',');
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[1].fields, (Fields{"a,b.png", "say \"hi\""}));
  EXPECT_EQ(records[2].fields, (Fields{"x.png", "two\nlines"}));
  EXPECT_EQ(records[2].line, 3u);
  EXPECT_EQ(records[3].line, 5u);  // the embedded newline counts as a line
}

TEST(Csv, ByteOrderMarkIsSkipped) {
  const auto records = parse_delimited(
      "\xEF\xBB\xBF"
      "file_name,text\n",
      ',');
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields[0], "file_name");
}

TEST(Csv, BlankLinesAreNotRecordsButQuotedEmptyFieldsAre) {
  const auto records = parse_delimited("a,b\n\n\r\n\"\"\nc,\n", ',');
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].fields, (Fields{""}));
  EXPECT_EQ(records[1].line, 4u);
  EXPECT_EQ(records[2].fields, (Fields{"c", ""}));
}

TEST(Csv, EmptyFieldsAndTrailingDelimiter) {
  const auto records = parse_delimited(",,\n", ',');
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"", "", ""}));
}

TEST(Csv, TabDelimited) {
  const auto records = parse_delimited("file_name\ttext\na.png\thello, world\n", '\t');
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].fields, (Fields{"a.png", "hello, world"}));
}

TEST(Csv, UnclosedQuoteIsReported) {
  const auto records = parse_delimited("a,b\nc,\"never closed\nd,e\n", ',');
  ASSERT_EQ(records.size(), 2u);
  EXPECT_NE(records[1].problem.find("never closed"), std::string::npos);
}

TEST(Csv, TextAfterClosingQuoteIsReportedButKept) {
  const auto records = parse_delimited("\"ab\"cd,e\n", ',');
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"abcd", "e"}));
  EXPECT_NE(records[0].problem.find("closing quote"), std::string::npos);
}

TEST(Csv, UnicodeIsPassedThrough) {
  const auto records = parse_delimited("é.png,\"Zoë, 12 €\"\n", ',');
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"é.png", "Zoë, 12 €"}));
}

}  // namespace
}  // namespace mlxocr
