// The typed fields' pattern language (generate/text_automaton.h), which compiles a user's regular
// expression from --fields: the input's first line is the pattern, each further line a text run
// through the compiled automaton. Beyond "only mlxocr::Error", the automaton's own promise is
// checked, since constrained decoding relies on it: a state that is not dead can still reach a
// match (the NFA was pruned to such states), so a live prefix never leaves the search with no
// token to take.
#include <deque>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "generate/text_automaton.h"

namespace {

using mlxocr::TextAutomaton;

// Whether a match is reachable from `from`: breadth first over the bytes, giving up (no verdict,
// true) after `budget` states so that one input stays fast.
bool can_reach_a_match(TextAutomaton& automaton, TextAutomaton::State from, int budget) {
  std::vector<bool> seen;
  std::deque<TextAutomaton::State> queue{from};
  while (!queue.empty()) {
    const TextAutomaton::State state = queue.front();
    queue.pop_front();
    if (automaton.accepts(state)) return true;
    if (--budget < 0) return true;
    for (int byte = 0; byte < 256; ++byte) {
      const TextAutomaton::State to = automaton.next(state, static_cast<unsigned char>(byte));
      if (to == TextAutomaton::kDead) continue;
      if (static_cast<size_t>(to) >= seen.size()) seen.resize(to + 1, false);
      if (!seen[to]) {
        seen[to] = true;
        queue.push_back(to);
      }
    }
  }
  return false;
}

void check_text(TextAutomaton& automaton, std::string_view text) {
  TextAutomaton::State state = automaton.start();
  for (const char c : text) {
    state = automaton.next(state, static_cast<unsigned char>(c));
    if (state == TextAutomaton::kDead) break;
  }
  if (automaton.matches(text) != automaton.accepts(state)) __builtin_trap();
  if (state != TextAutomaton::kDead && !can_reach_a_match(automaton, state, 64)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = mlxocr::fuzz::as_view(data, size);
  const size_t end = input.find('\n');
  const std::string_view pattern = input.substr(0, end);
  std::string_view texts = end == std::string_view::npos ? "" : input.substr(end + 1);
  mlxocr::fuzz::expect_only_mlxocr_errors([&] {
    TextAutomaton automaton(pattern, "fuzz/fields.json: \"pattern\"", size % 2 == 0);
    check_text(automaton, "");
    for (int line = 0; line < 64 && !texts.empty(); ++line) {
      const size_t stop = texts.find('\n');
      check_text(automaton, texts.substr(0, stop));
      texts = stop == std::string_view::npos ? "" : texts.substr(stop + 1);
    }
  });
  return 0;
}
