// Splitting text on added tokens ("<s>", "<mask>", ...) before the model tokenises the rest, as
// transformers does: leftmost-longest matches, lstrip/rstrip swallowing the white space next to a
// token, single_word tokens matched only when they stand alone.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer_files.h"

namespace mlxocr::text {

// A piece of the text: plain text (id < 0) for the model, or an added token's id.
struct Segment {
  std::string_view text;
  int id = -1;
};

// Which characters lstrip/rstrip swallow: the fast tokenizers use Rust's char::is_whitespace, the
// slow ones Python's str.isspace() (which also holds U+001C..U+001F).
enum class StripStyle { kRustWhitespace, kPythonIsspace };

class AddedTokenSplitter {
 public:
  AddedTokenSplitter() = default;
  AddedTokenSplitter(std::vector<AddedToken> tokens, StripStyle style);

  // Text segments are never empty; stripped white space belongs to no segment.
  std::vector<Segment> split(std::string_view text) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  // The added token with this content, or nullptr.
  const AddedToken* find(std::string_view content) const;
  const AddedToken* find_id(int id) const;

 private:
  std::vector<AddedToken> tokens_;
  std::array<std::vector<int>, 256> by_first_byte_;  // token indices, longest first
  StripStyle style_ = StripStyle::kRustWhitespace;
};

}  // namespace mlxocr::text
