// The searchable PDF's character codes, ToUnicode CMap and numbers, checked against the PDF
// and Unicode rules they follow (the round trip through a reader is in test_pdf_writer.cpp).
#include <gtest/gtest.h>

#include <regex>

#include "pipeline/pdf_objects.h"
#include "pipeline/pdf_text.h"

namespace mlxocr {
namespace {

std::string utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) return std::string(1, static_cast<char>(cp));
  if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  }
  return out + static_cast<char>(0x80 | (cp & 0x3F));
}

TEST(PdfText, CodesAreUtf16UnitsAndOneCodePerCharacterBeyondTheBmp) {
  PdfCharCodes codes;
  // U+1D11E (musical G clef) is the surrogate pair D834 DD1E in UTF-16.
  EXPECT_EQ(codes.encode("aé漢\t𝄞𝄞"),
            (std::vector<uint16_t>{0x61, 0xE9, 0x6F22, 0x20, 0xD800, 0xD800}));
  EXPECT_EQ(codes.encode("\xC3(x"), (std::vector<uint16_t>{0xFFFD, '(', 'x'}));
  const std::string cmap = codes.to_unicode_cmap();
  EXPECT_NE(cmap.find("<D800> <D834DD1E>"), std::string::npos);
  EXPECT_NE(cmap.find("<0000> <00FF> <0000>"), std::string::npos);
  EXPECT_NE(cmap.find("<FF00> <FFFF> <FF00>"), std::string::npos);
  EXPECT_EQ(cmap.find("<D800> <D8FF>"), std::string::npos) << "surrogates are no characters";
  // Blocks of at most 100 entries; ranges that vary only in their last byte.
  const std::regex block("([0-9]+) begin(bfrange|bfchar)");
  for (auto it = std::sregex_iterator(cmap.begin(), cmap.end(), block);
       it != std::sregex_iterator(); ++it) {
    EXPECT_LE(std::stoi((*it)[1]), 100);
  }
  const std::regex range("<([0-9A-F]{2})[0-9A-F]{2}> <([0-9A-F]{2})[0-9A-F]{2}> <");
  for (auto it = std::sregex_iterator(cmap.begin(), cmap.end(), range);
       it != std::sregex_iterator(); ++it) {
    EXPECT_EQ((*it)[1], (*it)[2]);
  }
}

TEST(PdfText, PastTheCodesForCharactersBeyondTheBmpComesTheReplacementCharacter) {
  PdfCharCodes codes;
  std::string text;
  for (char32_t cp = 0x20000; cp < 0x20000 + 2049; ++cp)
    text += utf8(cp);
  const auto encoded = codes.encode(text);
  ASSERT_EQ(encoded.size(), 2049u);
  EXPECT_EQ(encoded[0], 0xD800);
  EXPECT_EQ(encoded[2047], 0xDFFF);
  EXPECT_EQ(encoded[2048], 0xFFFD);
}

TEST(PdfText, NumbersHaveNoExponentNoNegativeZeroAndThreeDecimals) {
  EXPECT_EQ(pdf_number(12.5), "12.5");
  EXPECT_EQ(pdf_number(-0.0001), "0");
  EXPECT_EQ(pdf_number(1.23456), "1.235");
  EXPECT_EQ(pdf_number(1e20), "100000000000000000000");
  EXPECT_EQ(pdf_number(-3), "-3");
  EXPECT_EQ(pdf_text_string("mlxocr é"), "<FEFF006D006C0078006F00630072002000E9>");
}

}  // namespace
}  // namespace mlxocr
