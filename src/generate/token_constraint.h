// Constrained decoding: a logits mask that keeps each row's text a valid prefix of a typed
// field's pattern (generate/text_automaton.h). At every step a token is allowed iff the text with
// the token's bytes appended is still a valid prefix; EOS iff the text already matches whole.
// Applied after the other logits processors and before the argmax / sampling / beam top-k, so
// that the search ranks exactly the continuations that satisfy the type (docs/forms.md).
#pragma once

#include <mlx/array.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "generate/text_automaton.h"

namespace mlxocr {

namespace mx = mlx::core;

// One type for one model's vocabulary. Not thread-safe (the automaton and the masks fill in
// lazily); one generate() call at a time.
class TokenConstraint {
 public:
  // `token_texts[id]`: Tokenizer::token_bytes(id) for every id of the model's output layer
  // ("" for special tokens and ids the tokenizer lacks: never allowed). `eos`: the EOS ids.
  // `openers`: special tokens allowed as the first generated token only, where they write
  // nothing: the BOS that a model trained on labels "<s> text </s>" (transformers' TrOCR
  // recipe, `mlxocr train`) writes before the text. Forbidding it forces such a model to put a
  // character where it expects "<s>", and every later step is then read one place off.
  TokenConstraint(TextAutomaton automaton,
                  std::shared_ptr<const std::vector<std::string>> token_texts, std::vector<int> eos,
                  std::vector<int> openers = {});

  // Which ids may follow `history` (the decoder start token, then the generated tokens), one
  // byte per id. Never all zero: where no token fits and the text does not match, only EOS is
  // allowed (the text then fails its type, and the caller says so).
  const std::vector<uint8_t>& allowed(const std::vector<int>& history);

  // Whether no sequence of tokens makes a valid text (searched breadth-first over the states
  // tokens reach, up to 64): such a field reads "" (or a leading space) and fails its type.
  bool impossible();

  TextAutomaton& automaton() { return automaton_; }

 private:
  const std::vector<uint8_t>& allowed_in(TextAutomaton::State state);

  TextAutomaton automaton_;
  std::shared_ptr<const std::vector<std::string>> token_texts_;
  std::vector<int> eos_, openers_;
  std::vector<uint8_t> opening_;  // the start state's mask plus the openers; filled lazily
  std::unordered_map<TextAutomaton::State, std::vector<uint8_t>> masks_;
  std::unordered_map<TextAutomaton::State, bool> dead_end_;
};

// `scores` [R, vocab] with every token row r's constraint forbids set to -inf; rows whose
// constraint is null are left alone. `histories[r]` as for apply_logits_processors.
mx::array apply_token_constraints(const mx::array& scores,
                                  const std::vector<TokenConstraint*>& row_constraints,
                                  const std::vector<const std::vector<int>*>& histories);

}  // namespace mlxocr
