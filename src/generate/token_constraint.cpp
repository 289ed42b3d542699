#include "generate/token_constraint.h"

#include <mlx/ops.h>

#include <algorithm>
#include <limits>

namespace mlxocr {

TokenConstraint::TokenConstraint(TextAutomaton automaton,
                                 std::shared_ptr<const std::vector<std::string>> token_texts,
                                 std::vector<int> eos, std::vector<int> openers)
    : automaton_(std::move(automaton)),
      token_texts_(std::move(token_texts)),
      eos_(std::move(eos)),
      openers_(std::move(openers)) {}

const std::vector<uint8_t>& TokenConstraint::allowed_in(TextAutomaton::State state) {
  const auto found = masks_.find(state);
  if (found != masks_.end()) return found->second;
  const std::vector<std::string>& texts = *token_texts_;
  std::vector<uint8_t> mask(texts.size(), 0);
  bool any = false;
  if (state != TextAutomaton::kDead) {
    for (size_t id = 0; id < texts.size(); ++id) {
      // An empty text (a special token) would let the model stall without writing anything.
      if (texts[id].empty()) continue;
      if (automaton_.run(state, texts[id]) != TextAutomaton::kDead) mask[id] = 1, any = true;
    }
  }
  const bool complete = automaton_.accepts(state);
  dead_end_[state] = !any && !complete;
  for (int id : eos_) {
    if (id >= 0 && static_cast<size_t>(id) < mask.size() && (complete || !any)) mask[id] = 1;
  }
  return masks_.emplace(state, std::move(mask)).first->second;
}

const std::vector<uint8_t>& TokenConstraint::allowed(const std::vector<int>& history) {
  if (history.size() <= 1 && !openers_.empty()) {  // the first token: an opener may come too
    if (opening_.empty()) {
      opening_ = allowed_in(automaton_.start());
      for (int id : openers_) {
        if (id >= 0 && static_cast<size_t>(id) < opening_.size()) opening_[id] = 1;
      }
    }
    return opening_;
  }
  TextAutomaton::State state = automaton_.start();
  const std::vector<std::string>& texts = *token_texts_;
  for (size_t i = 1; i < history.size() && state != TextAutomaton::kDead; ++i) {
    const int id = history[i];
    if (id >= 0 && static_cast<size_t>(id) < texts.size()) state = automaton_.run(state, texts[id]);
  }
  return allowed_in(state);
}

bool TokenConstraint::impossible() {
  // Breadth-first over the states tokens lead to, looking for one that completes the type. A
  // leading space alone, say, is a valid start that may lead nowhere. Past kMaxExplored states
  // the type is taken to be possible (a real type completes within a few states).
  constexpr size_t kMaxExplored = 64;
  const std::vector<std::string>& texts = *token_texts_;
  std::vector<TextAutomaton::State> queue = {automaton_.start()};
  for (size_t i = 0; i < queue.size(); ++i) {
    const TextAutomaton::State state = queue[i];
    if (automaton_.accepts(state) || queue.size() > kMaxExplored) return false;
    const std::vector<uint8_t> allowed = allowed_in(state);
    for (size_t id = 0; id < allowed.size(); ++id) {
      if (!allowed[id] || texts[id].empty()) continue;
      const TextAutomaton::State next = automaton_.run(state, texts[id]);
      if (next != TextAutomaton::kDead &&
          std::find(queue.begin(), queue.end(), next) == queue.end()) {
        queue.push_back(next);
      }
    }
  }
  return true;
}

mx::array apply_token_constraints(const mx::array& scores,
                                  const std::vector<TokenConstraint*>& row_constraints,
                                  const std::vector<const std::vector<int>*>& histories) {
  if (std::none_of(row_constraints.begin(), row_constraints.end(),
                   [](const TokenConstraint* c) { return c != nullptr; })) {
    return scores;
  }
  const int rows = scores.shape(0), vocab = scores.shape(1);
  std::vector<uint8_t> keep(static_cast<size_t>(rows) * vocab, 1);
  for (int r = 0; r < rows; ++r) {
    if (row_constraints[r] == nullptr) continue;
    const std::vector<uint8_t>& allowed = row_constraints[r]->allowed(*histories[r]);
    uint8_t* row = keep.data() + static_cast<size_t>(r) * vocab;
    std::fill(row, row + vocab, 0);
    std::copy_n(allowed.begin(), std::min<size_t>(allowed.size(), vocab), row);
  }
  const mx::array mask(keep.data(), {rows, vocab}, mx::bool_);
  return mx::where(mask, scores, mx::array(-std::numeric_limits<float>::infinity()));
}

}  // namespace mlxocr
