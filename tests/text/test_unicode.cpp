// UTF-8 handling and the GPT-2 pre-tokeniser against what the reference does. The expected values
// were printed by Python 3.11 (bytes.decode("utf-8", "replace")) and tokenizers 0.21.4
// (pre_tokenizers.ByteLevel(add_prefix_space=False).pre_tokenize_str).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text/byte_level_bpe.h"
#include "text/tokenizer.h"
#include "text/unicode.h"

using namespace mlxocr;

TEST(Unicode, LossyDecodingReplacesMaximalSubparts) {
  const std::string fffd = "\xEF\xBF\xBD";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\xF0\x9F\x98", fffd},                           // an emoji cut after three bytes
      {"\xE2\x28\xA1", fffd + "(" + fffd},              // a broken sequence, then ASCII
      {"\xED\xA0\x80", fffd + fffd + fffd},             // a surrogate
      {"\xC0\xAF", fffd + fffd},                        // overlong
      {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},  // above U+10FFFF
      {"a\x80"
       "b",
       "a" + fffd + "b"},
      {"\xE0\x80\x80", fffd + fffd + fffd},
      {"\xF0\x9F\x98\x80\xF0\x9F", "\xF0\x9F\x98\x80" + fffd},
      {"\xFF\xFE", fffd + fffd},
      {"\xE2\x82", fffd},
      {"\xE2\x82\xAC", "\xE2\x82\xAC"},
      {"\xF1\x80\x80\xE1\x80\xC2", fffd + fffd + fffd},
      {"", ""},
  };
  for (const auto& [bytes, want] : cases) {
    EXPECT_EQ(unicode::to_valid_utf8(bytes), want) << testing::PrintToString(bytes);
  }
  EXPECT_EQ(unicode::find_invalid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), unicode::kValid);
  EXPECT_EQ(unicode::find_invalid_utf8("ab\xC3"), 2u);
  EXPECT_EQ(unicode::find_invalid_utf8("\xED\xA0\x80"), 0u);
}

TEST(Unicode, RegexClasses) {
  EXPECT_TRUE(unicode::is_letter(U'a'));
  EXPECT_TRUE(unicode::is_letter(U'\u00E9'));   // é
  EXPECT_TRUE(unicode::is_letter(U'\u65E5'));   // 日
  EXPECT_TRUE(unicode::is_letter(U'\u02B0'));   // modifier letter (Lm)
  EXPECT_FALSE(unicode::is_letter(U'\u0301'));  // combining acute (Mn)
  EXPECT_FALSE(unicode::is_letter(U'\U0001F600'));
  EXPECT_TRUE(unicode::is_number(U'7'));
  EXPECT_TRUE(unicode::is_number(U'\u00BD'));  // ½ (No)
  EXPECT_TRUE(unicode::is_number(U'\u216B'));  // Ⅻ (Nl)
  EXPECT_TRUE(unicode::is_number(U'\u0663'));  // Arabic-Indic three
  EXPECT_FALSE(unicode::is_number(U'x'));
  EXPECT_TRUE(unicode::is_regex_space(U'\u00A0'));
  EXPECT_TRUE(unicode::is_regex_space(U'\u3000'));
  EXPECT_FALSE(unicode::is_regex_space(U'\u001C'));
  EXPECT_TRUE(unicode::is_python_space(U'\u001C'));
  EXPECT_FALSE(unicode::is_regex_space(U'\u200B'));  // zero width space is not white space
}

TEST(Unicode, PythonStrip) {
  EXPECT_EQ(unicode::python_strip(" \t\u3000a b\u00A0\x1c "), "a b");
  EXPECT_EQ(unicode::python_strip("   "), "");
  EXPECT_EQ(unicode::python_lstrip("  x "), "x ");
  // A lead byte cut by the end (0xDE would start U+001E, a Python space): kept, not a throw from
  // substr past the end (found by fuzz/dataset.cpp on a CSV header).
  EXPECT_EQ(unicode::python_strip("\xde"), "\xde");
  EXPECT_EQ(unicode::python_lstrip(" \xde"), "\xde");
  EXPECT_EQ(unicode::python_rstrip("  x \u2009"), "  x");
}

TEST(Gpt2PreTokenize, MatchesTheReferenceRegex) {
  using Pieces = std::vector<std::string>;
  const std::vector<std::pair<std::string, Pieces>> cases = {
      {"Hello world", {"Hello", " world"}},
      {"I'm it's they're we'LL 'S",
       {"I", "'m", " it", "'s", " they", "'re", " we", "'", "LL", " '", "S"}},
      {"  two  spaces   ", {" ", " two", " ", " spaces", "   "}},
      {"a\n\nb", {"a", "\n", "\n", "b"}},
      {"caf\u00E9 na\u00EFve 123abc \u00BD \u216B",
       {"caf\u00E9", " na\u00EFve", " 123", "abc", " \u00BD", " \u216B"}},
      {"\U0001F600\U0001F44D\U0001F3FD ok", {"\U0001F600\U0001F44D\U0001F3FD", " ok"}},
      {"x\u00A0 y", {"x", "\u00A0", " y"}},
      {" \t\n", {" \t\n"}},
      {"abc  ", {"abc", "  "}},
      {"3.14, e-mail", {"3", ".", "14", ",", " e", "-", "mail"}},
      {"\u65E5\u672C\u8A9E text", {"\u65E5\u672C\u8A9E", " text"}},
      {" ?!", {" ?!"}},
      {"\u3000x", {"\u3000", "x"}},
      {"", {}},
  };
  for (const auto& [text, want] : cases) {
    Pieces got;
    for (std::string_view piece : text::gpt2_pre_tokenize(text))
      got.emplace_back(piece);
    EXPECT_EQ(got, want) << testing::PrintToString(text);
  }
}

TEST(Gpt2PreTokenize, ByteAlphabet) {
  EXPECT_EQ(text::byte_to_char(' '), U'\u0120');   // Ġ
  EXPECT_EQ(text::byte_to_char('\n'), U'\u010A');  // Ċ
  EXPECT_EQ(text::byte_to_char('a'), U'a');
  EXPECT_EQ(text::byte_to_char(0xAD), U'\u0143');  // the last byte that does not stand for itself
  EXPECT_EQ(text::byte_to_char(0xE9), U'\u00E9');
}

TEST(CleanUpTokenization, AsTransformers) {
  EXPECT_EQ(clean_up_tokenization("Hello , world . How are you ? Fine !"),
            "Hello, world. How are you? Fine!");
  EXPECT_EQ(clean_up_tokenization("do n't I 'm it 's we 've you 're"),
            "don't I'm it's we've you're");
  EXPECT_EQ(clean_up_tokenization("a ' b"), "a'b");
  EXPECT_EQ(clean_up_tokenization(" . . ."), "...");
  EXPECT_EQ(clean_up_tokenization(""), "");
}
