// A finite automaton over the bytes of UTF-8 text, compiled from a small regular-expression
// language, that answers the question constrained decoding asks at every step: is this text still
// the beginning of some text the expression matches (a valid prefix), and does it match whole?
//
// Why our own: the prefix question is the whole point, and RE2 has no partial-match API; PCRE2's
// PCRE2_PARTIAL_HARD has one but answers per call, re-running the match over the whole text for
// each of the vocabulary's ~50 000 tokens at every step. Here a Thompson NFA is built once, pruned
// to the states from which a match can still be reached (so "non-empty state set" means "valid
// prefix"), and determinised lazily: a DFA state's transitions are computed on first use and
// kept, so testing a token is one table lookup per byte.
//
// The language (docs/forms.md): literals; "." (any character); classes "[abc]", "[a-z0-9]",
// "[^...]" (negated classes may only list ASCII characters); escapes \d \w \s \D \W \S and "\"
// before any punctuation; groups "(...)" and "(?:...)"; alternation "|"; quantifiers * + ? {n}
// {n,} {n,m} (bounds at most 255). Matching is on the whole text (anchors are implicit; "^" and
// "$" are refused). Characters are Unicode code points in UTF-8; class ranges must be ASCII.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mlxocr {

// Limits that keep a hostile pattern from taking the machine.
inline constexpr size_t kMaxPatternBytes = 1024;
inline constexpr size_t kMaxNfaStates = 20000;
inline constexpr size_t kMaxDfaStates = 20000;

class TextAutomaton {
 public:
  // A DFA state; kDead means no text starting so can match.
  using State = int32_t;
  static constexpr State kDead = -1;

  // Compiles `pattern`. Throws ConfigError naming `where` and the problem (syntax, a limit).
  // `leading_spaces`: one space before the text is allowed and ignored (a tokenizer puts one in
  // front of the first word).
  TextAutomaton(std::string_view pattern, const std::string& where, bool leading_spaces = true);
  ~TextAutomaton();
  TextAutomaton(TextAutomaton&&) noexcept;
  TextAutomaton& operator=(TextAutomaton&&) noexcept;

  State start() const { return start_; }
  // The state after `byte`; kDead when no match can begin with what was read. Lazily builds
  // DFA states (hence not const-thread-safe: one automaton per decoding thread). Throws LimitError
  // past kMaxDfaStates.
  State next(State state, unsigned char byte);
  State run(State state, std::string_view bytes);
  bool accepts(State state) const { return state != kDead && accepting_[state]; }

  // Whole-text helpers.
  bool is_prefix(std::string_view text) { return run(start_, text) != kDead; }
  bool matches(std::string_view text) { return accepts(run(start_, text)); }

  const std::string& pattern() const { return pattern_; }

 private:
  struct Nfa;
  State state_for(std::vector<int> nfa_states);

  std::string pattern_;
  std::string where_;
  std::unique_ptr<Nfa> nfa_;
  std::vector<std::vector<int>> dfa_sets_;  // the NFA states of each DFA state, sorted
  std::map<std::vector<int>, State> dfa_index_;
  std::vector<std::array<State, 256>> transitions_;  // kUnknown until computed
  std::vector<bool> accepting_;
  State start_ = kDead;
};

}  // namespace mlxocr
