#include "generate/text_automaton.h"

#include <algorithm>
#include <bitset>
#include <cctype>

#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"

namespace mlxocr {

namespace {

constexpr int kMaxRepeat = 255;
constexpr TextAutomaton::State kUnknown = -2;

// A byte range [lo, hi]; a character is a sequence of them (one per UTF-8 byte).
struct ByteRange {
  unsigned char lo = 0, hi = 0;
};
using ByteSequence = std::vector<ByteRange>;

// The expression as a tree, before it becomes an NFA (repetitions copy subtrees).
struct Node {
  enum class Kind { kChar, kConcat, kAlt, kRepeat } kind = Kind::kConcat;
  std::vector<ByteSequence> chars;  // kChar: the alternatives
  std::vector<Node> children;
  int min = 0, max = 0;  // kRepeat; max -1: unbounded
};

// Characters a class or escape stands for: ASCII by bitmap, others as exact UTF-8 strings.
struct CharSet {
  std::bitset<128> ascii;
  std::vector<std::string> others;
  bool negated = false;

  Node node() const {
    Node n;
    n.kind = Node::Kind::kChar;
    std::bitset<128> bits = negated ? ~ascii : ascii;
    for (int c = 0; c < 128;) {
      if (!bits[c]) {
        ++c;
        continue;
      }
      int end = c;
      while (end + 1 < 128 && bits[end + 1])
        ++end;
      n.chars.push_back({{static_cast<unsigned char>(c), static_cast<unsigned char>(end)}});
      c = end + 1;
    }
    if (negated) {  // any multi-byte character (well-formed lead and continuation bytes)
      n.chars.push_back({{0xC2, 0xDF}, {0x80, 0xBF}});
      n.chars.push_back({{0xE0, 0xEF}, {0x80, 0xBF}, {0x80, 0xBF}});
      n.chars.push_back({{0xF0, 0xF4}, {0x80, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}});
    } else {
      for (const std::string& s : others) {
        ByteSequence seq;
        for (const char c : s)
          seq.push_back({static_cast<unsigned char>(c), static_cast<unsigned char>(c)});
        n.chars.push_back(seq);
      }
    }
    return n;
  }
};

class Parser {
 public:
  Parser(std::string_view pattern, const std::string& where) : p_(pattern), where_(where) {}

  Node parse() {
    Node root = alternation();
    if (pos_ < p_.size()) fail("unbalanced ')'");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw ConfigError(where_ + ": pattern \"" + std::string(p_) + "\": " + problem + " at byte " +
                      std::to_string(pos_));
  }
  bool more() const { return pos_ < p_.size(); }
  char peek() const { return p_[pos_]; }

  Node alternation() {
    Node alt;
    alt.kind = Node::Kind::kAlt;
    alt.children.push_back(concatenation());
    while (more() && peek() == '|') {
      ++pos_;
      alt.children.push_back(concatenation());
    }
    return alt.children.size() == 1 ? std::move(alt.children.front()) : alt;
  }

  Node concatenation() {
    Node seq;
    seq.kind = Node::Kind::kConcat;
    while (more() && peek() != '|' && peek() != ')')
      seq.children.push_back(repetition());
    return seq;
  }

  Node repetition() {
    Node atom_node = atom();
    while (more()) {
      int min = 0, max = -1;
      const char c = peek();
      if (c == '*') {
        ++pos_;
      } else if (c == '+') {
        min = 1, ++pos_;
      } else if (c == '?') {
        max = 1, ++pos_;
      } else if (c == '{') {
        ++pos_;
        min = number();
        max = min;
        if (more() && peek() == ',') {
          ++pos_;
          max = more() && peek() == '}' ? -1 : number();
        }
        if (!more() || peek() != '}') fail("expected '}'");
        ++pos_;
        if (max != -1 && max < min) fail("{n,m} with m < n");
      } else {
        break;
      }
      Node rep;
      rep.kind = Node::Kind::kRepeat;
      rep.min = min, rep.max = max;
      rep.children.push_back(std::move(atom_node));
      atom_node = std::move(rep);
    }
    return atom_node;
  }

  int number() {
    int value = 0, digits = 0;
    while (more() && peek() >= '0' && peek() <= '9' && digits < 4) {
      value = value * 10 + (p_[pos_++] - '0');
      ++digits;
    }
    if (digits == 0) fail("expected a number in {}");
    if (value > kMaxRepeat) fail("a repetition bound above " + std::to_string(kMaxRepeat));
    return value;
  }

  Node atom() {
    const char c = peek();
    if (c == '(') {
      ++pos_;
      if (p_.substr(pos_, 2) == "?:") pos_ += 2;
      Node inner = alternation();
      if (!more() || peek() != ')') fail("missing ')'");
      ++pos_;
      return inner;
    }
    if (c == '[') return char_class().node();
    if (c == '.') {
      ++pos_;
      CharSet any;
      any.negated = true;
      return any.node();
    }
    if (c == '\\') return escape().node();
    if (c == '*' || c == '+' || c == '?' || c == '{') fail("nothing to repeat");
    if (c == '^' || c == '$') fail("anchors are implicit (the whole text must match)");
    CharSet one;
    add_char(one, character());
    return one.node();
  }

  // One UTF-8 character of the pattern.
  std::string character() {
    const auto lead = static_cast<unsigned char>(peek());
    const size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (pos_ + length > p_.size() || (lead >= 0x80 && lead < 0xC2) || lead > 0xF4) {
      fail("invalid UTF-8");
    }
    std::string out(p_.substr(pos_, length));
    for (size_t i = 1; i < length; ++i) {
      if ((static_cast<unsigned char>(out[i]) & 0xC0) != 0x80) fail("invalid UTF-8");
    }
    pos_ += length;
    return out;
  }

  static void add_char(CharSet& set, const std::string& ch) {
    if (ch.size() == 1) {
      set.ascii.set(static_cast<unsigned char>(ch[0]));
    } else {
      set.others.push_back(ch);
    }
  }

  // After '\': a class escape or a literal punctuation character.
  CharSet escape() {
    ++pos_;
    if (!more()) fail("'\\' at the end");
    const char c = p_[pos_++];
    CharSet set;
    const auto range = [&](char lo, char hi) {
      for (int x = lo; x <= hi; ++x)
        set.ascii.set(x);
    };
    switch (c) {
      case 'd':
      case 'D':
        range('0', '9');
        break;
      case 'w':
      case 'W':
        range('0', '9'), range('A', 'Z'), range('a', 'z'), set.ascii.set('_');
        break;
      case 's':
      case 'S':
        for (const char s : std::string(" \t\n\r\f\v"))
          set.ascii.set(static_cast<unsigned char>(s));
        break;
      case 'n':
        set.ascii.set('\n');
        break;
      case 't':
        set.ascii.set('\t');
        break;
      case 'r':
        set.ascii.set('\r');
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x80 || std::isalnum(static_cast<unsigned char>(c))) {
          --pos_;
          fail(std::string("unknown escape '\\") + c + "'");
        }
        set.ascii.set(static_cast<unsigned char>(c));
    }
    set.negated = c == 'D' || c == 'W' || c == 'S';
    return set;
  }

  CharSet char_class() {
    ++pos_;
    CharSet set;
    if (more() && peek() == '^') set.negated = true, ++pos_;
    bool first = true;
    while (more() && (peek() != ']' || first)) {
      first = false;
      if (peek() == '\\') {
        const CharSet e = escape();
        if (e.negated) fail("\\D, \\W, \\S inside a class");
        set.ascii |= e.ascii;
        continue;
      }
      const std::string lo = character();
      if (more() && peek() == '-' && pos_ + 1 < p_.size() && p_[pos_ + 1] != ']') {
        ++pos_;
        const std::string hi = character();
        if (lo.size() != 1 || hi.size() != 1) fail("class ranges must be ASCII");
        if (hi[0] < lo[0]) fail("a class range that runs backwards");
        for (int x = lo[0]; x <= hi[0]; ++x)
          set.ascii.set(x);
      } else {
        add_char(set, lo);
      }
    }
    if (!more()) fail("missing ']'");
    ++pos_;
    if (set.negated && !set.others.empty()) fail("a negated class may list only ASCII");
    return set;
  }

  std::string_view p_;
  const std::string& where_;
  size_t pos_ = 0;
};

}  // namespace

struct TextAutomaton::Nfa {
  struct Edge {
    ByteRange range;
    int to = 0;
  };
  struct NState {
    std::vector<int> epsilon;
    std::vector<Edge> edges;
  };
  std::vector<NState> states;
  std::vector<bool> live;  // a match can still be reached from here
  int accept = 0;
  std::string where;

  int add() {
    if (states.size() >= kMaxNfaStates) {
      throw LimitError(where, "the pattern's automaton",
                       "more than " + std::to_string(kMaxNfaStates) + " states",
                       std::to_string(kMaxNfaStates) + " states (fewer or smaller repetitions)");
    }
    states.emplace_back();
    return static_cast<int>(states.size()) - 1;
  }

  // Thompson's construction: returns the fragment's entry and exit states.
  std::pair<int, int> build(const Node& n) {
    const int in = add();
    int out = in;
    switch (n.kind) {
      case Node::Kind::kChar:
        out = add();
        for (const ByteSequence& seq : n.chars) {
          int at = in;
          for (size_t i = 0; i < seq.size(); ++i) {
            const int to = i + 1 == seq.size() ? out : add();
            states[at].edges.push_back({seq[i], to});
            at = to;
          }
        }
        break;
      case Node::Kind::kConcat:
        for (const Node& child : n.children) {
          const auto [cin, cout] = build(child);
          states[out].epsilon.push_back(cin);
          out = cout;
        }
        break;
      case Node::Kind::kAlt:
        out = add();
        for (const Node& child : n.children) {
          const auto [cin, cout] = build(child);
          states[in].epsilon.push_back(cin);
          states[cout].epsilon.push_back(out);
        }
        break;
      case Node::Kind::kRepeat: {
        for (int i = 0; i < n.min; ++i) {
          const auto [cin, cout] = build(n.children.front());
          states[out].epsilon.push_back(cin);
          out = cout;
        }
        if (n.max == -1) {
          const auto [cin, cout] = build(n.children.front());
          states[out].epsilon.push_back(cin);
          states[cout].epsilon.push_back(out);  // loop back; `out` stays the exit
        } else {
          const int end = add();
          for (int i = n.min; i < n.max; ++i) {
            const auto [cin, cout] = build(n.children.front());
            states[out].epsilon.push_back(cin);
            states[out].epsilon.push_back(end);
            out = cout;
          }
          states[out].epsilon.push_back(end);
          out = end;
        }
        break;
      }
    }
    return {in, out};
  }

  void mark_live() {
    std::vector<std::vector<int>> reverse(states.size());
    for (size_t s = 0; s < states.size(); ++s) {
      for (int t : states[s].epsilon)
        reverse[t].push_back(static_cast<int>(s));
      for (const Edge& e : states[s].edges)
        reverse[e.to].push_back(static_cast<int>(s));
    }
    live.assign(states.size(), false);
    std::vector<int> stack = {accept};
    live[accept] = true;
    while (!stack.empty()) {
      const int s = stack.back();
      stack.pop_back();
      for (int from : reverse[s]) {
        if (!live[from]) live[from] = true, stack.push_back(from);
      }
    }
  }

  // The live states reachable from `seeds` by epsilon moves, sorted.
  std::vector<int> closure(std::vector<int> seeds) const {
    std::vector<bool> seen(states.size(), false);
    std::vector<int> out;
    while (!seeds.empty()) {
      const int s = seeds.back();
      seeds.pop_back();
      if (seen[s] || !live[s]) continue;
      seen[s] = true;
      out.push_back(s);
      for (int t : states[s].epsilon)
        seeds.push_back(t);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TextAutomaton::TextAutomaton(std::string_view pattern, const std::string& where,
                             bool leading_spaces)
    : pattern_(pattern), where_(where), nfa_(std::make_unique<Nfa>()) {
  if (pattern.size() > kMaxPatternBytes) {
    throw LimitError(where, "pattern", std::to_string(pattern.size()) + " bytes",
                     std::to_string(kMaxPatternBytes) + " bytes");
  }
  Node root = Parser(pattern, where).parse();
  if (leading_spaces) {
    CharSet space;
    space.ascii.set(' ');
    Node spaces;
    spaces.kind = Node::Kind::kRepeat;
    // One space at most: that is all a tokenizer puts in front, and more would let the model
    // stall on spaces without ever writing the field.
    spaces.min = 0, spaces.max = 1;
    spaces.children.push_back(space.node());
    Node whole;
    whole.kind = Node::Kind::kConcat;
    whole.children.push_back(std::move(spaces));
    whole.children.push_back(std::move(root));
    root = std::move(whole);
  }
  nfa_->where = where;
  const auto [in, out] = nfa_->build(root);
  nfa_->accept = out;
  nfa_->mark_live();
  start_ = state_for(nfa_->closure({in}));
}

TextAutomaton::~TextAutomaton() = default;
TextAutomaton::TextAutomaton(TextAutomaton&&) noexcept = default;
TextAutomaton& TextAutomaton::operator=(TextAutomaton&&) noexcept = default;

TextAutomaton::State TextAutomaton::state_for(std::vector<int> nfa_states) {
  if (nfa_states.empty()) return kDead;
  const auto found = dfa_index_.find(nfa_states);
  if (found != dfa_index_.end()) return found->second;
  if (dfa_sets_.size() >= kMaxDfaStates) {
    throw LimitError(where_, "the pattern's automaton",
                     "more than " + std::to_string(kMaxDfaStates) + " DFA states",
                     std::to_string(kMaxDfaStates) + " states (a simpler pattern)");
  }
  accepting_.push_back(std::binary_search(nfa_states.begin(), nfa_states.end(), nfa_->accept));
  dfa_index_.emplace(nfa_states, static_cast<State>(dfa_sets_.size()));
  dfa_sets_.push_back(std::move(nfa_states));
  std::array<State, 256> unknown;
  unknown.fill(kUnknown);
  transitions_.push_back(unknown);
  return static_cast<State>(dfa_sets_.size()) - 1;
}

TextAutomaton::State TextAutomaton::next(State state, unsigned char byte) {
  if (state == kDead) return kDead;
  if (transitions_[state][byte] != kUnknown) return transitions_[state][byte];
  std::vector<int> targets;
  for (int s : dfa_sets_[state]) {
    for (const Nfa::Edge& e : nfa_->states[s].edges) {
      if (byte >= e.range.lo && byte <= e.range.hi) targets.push_back(e.to);
    }
  }
  const State to = state_for(nfa_->closure(std::move(targets)));
  transitions_[state][byte] = to;  // after state_for: it may have grown transitions_
  return to;
}

TextAutomaton::State TextAutomaton::run(State state, std::string_view bytes) {
  for (const char c : bytes) {
    state = next(state, static_cast<unsigned char>(c));
    if (state == kDead) break;
  }
  return state;
}

}  // namespace mlxocr
