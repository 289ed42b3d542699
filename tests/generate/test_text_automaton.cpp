// The prefix automaton against std::regex (an independent implementation of the same language)
// on every string over a small alphabet: whole matches agree, and a string is a valid prefix
// exactly when some completion of it matches.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "generate/text_automaton.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"
#include "test_support.h"

namespace mlxocr {
namespace {

// Every string over `alphabet` of length at most `length`.
std::vector<std::string> all_strings(const std::string& alphabet, size_t length) {
  std::vector<std::string> out = {""};
  for (size_t begin = 0, n = 0; n < length; ++n) {
    const size_t end = out.size();
    for (size_t i = begin; i < end; ++i)
      for (const char c : alphabet)
        out.push_back(out[i] + c);
    begin = end;
  }
  return out;
}

struct Case {
  std::string pattern, alphabet;
};

class AutomatonVsRegex : public ::testing::TestWithParam<Case> {};

TEST_P(AutomatonVsRegex, MatchesAndPrefixesAgreeWithStdRegex) {
  const Case c = GetParam();
  TextAutomaton automaton(c.pattern, "test", /*leading_spaces=*/false);
  const std::regex oracle(c.pattern, std::regex::ECMAScript);
  // Every pattern below completes any valid prefix within 3 characters; strings up to 6 (5 or 4
  // for larger alphabets) keep the std::regex calls to a few hundred thousand.
  const std::vector<std::string> completions = all_strings(c.alphabet, 3);
  const size_t length = c.alphabet.size() <= 2 ? 6 : c.alphabet.size() <= 3 ? 5 : 4;
  for (const std::string& text : all_strings(c.alphabet, length)) {
    EXPECT_EQ(automaton.matches(text), std::regex_match(text, oracle)) << "\"" << text << "\"";
    bool completes = false;
    for (size_t i = 0; i < completions.size() && !completes; ++i)
      completes = std::regex_match(text + completions[i], oracle);
    EXPECT_EQ(automaton.is_prefix(text), completes) << "\"" << text << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(Patterns, AutomatonVsRegex,
                         ::testing::Values(Case{"(et|tee)+", "et"}, Case{"a{2,3}b?|ba*", "ab"},
                                           Case{"[0-9]{1,2}[./-][0-9]{1,2}", "1./-x"},
                                           Case{"\\d+([.,]\\d{2})?", "12.,a"},
                                           Case{"(?:ab|b)+a?", "abc"}, Case{"[^a]b*", "abc"},
                                           Case{"x.y", "xyz"}, Case{"[a\\-c]+", "abc-"}));

TEST(TextAutomaton, OneLeadingSpaceIsIgnoredWhenAllowed) {
  TextAutomaton with("\\d+", "test");
  EXPECT_TRUE(with.matches(" 12"));
  EXPECT_FALSE(with.is_prefix("  "));  // a model must not stall on spaces
  EXPECT_FALSE(with.matches("12 "));
  TextAutomaton without("\\d+", "test", false);
  EXPECT_FALSE(without.matches(" 12"));
}

TEST(TextAutomaton, MultiByteCharactersAndClasses) {
  TextAutomaton amount("[$€£]\\d+", "test", false);
  EXPECT_TRUE(amount.matches("€12"));
  EXPECT_TRUE(amount.matches("£3"));
  EXPECT_TRUE(amount.is_prefix("\xE2\x82"));  // the first two bytes of €
  EXPECT_FALSE(amount.is_prefix("\xE2\x83"));
  TextAutomaton any("a.b", "test", false);
  EXPECT_TRUE(any.matches("aéb"));
  EXPECT_FALSE(any.matches("aééb"));
}

TEST(TextAutomaton, SyntaxErrorsNameThePlaceAndProblem) {
  for (const std::string bad : {"(ab", "ab)", "[ab", "*a", "a{3,1}", "a{999}", "^a", "\\q", "[z-a]",
                                "[é-ü]", "[^é]", "\xC3"}) {
    const std::string message =
        testing::error_of<ConfigError>([&] { TextAutomaton(bad, "fields.json: entry 2"); });
    EXPECT_NE(message.find("fields.json: entry 2"), std::string::npos) << bad << ": " << message;
  }
}

TEST(TextAutomaton, HugeAutomataAreRefused) {
  EXPECT_THROW(TextAutomaton("((a{200}){200}){200}", "test"), LimitError);
  EXPECT_THROW(TextAutomaton(std::string(kMaxPatternBytes + 1, 'a'), "test"), LimitError);
}

}  // namespace
}  // namespace mlxocr
