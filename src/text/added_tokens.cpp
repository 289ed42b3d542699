#include "text/added_tokens.h"

#include <algorithm>

#include "text/unicode.h"

namespace mlxocr::text {

namespace {

// Start of the character that ends at `end` (exclusive) in well-formed UTF-8.
size_t previous_char_start(std::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
    --start;
  return start;
}

bool is_word_char(char32_t cp) {
  return cp == U'_' || unicode::is_letter(cp) || unicode::is_number(cp);
}

// A single_word token must not be glued to a word character on either side.
bool stands_alone(std::string_view text, size_t begin, size_t end) {
  if (begin > 0) {
    size_t pos = previous_char_start(text, begin);
    if (is_word_char(unicode::next_codepoint(text, pos))) return false;
  }
  if (end < text.size()) {
    size_t pos = end;
    if (is_word_char(unicode::next_codepoint(text, pos))) return false;
  }
  return true;
}

}  // namespace

AddedTokenSplitter::AddedTokenSplitter(std::vector<AddedToken> tokens, StripStyle style)
    : tokens_(std::move(tokens)), style_(style) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].content.empty()) continue;
    by_first_byte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(
        static_cast<int>(i));
  }
  for (auto& bucket : by_first_byte_) {
    std::stable_sort(bucket.begin(), bucket.end(), [&](int a, int b) {
      return tokens_[a].content.size() > tokens_[b].content.size();
    });
  }
}

const AddedToken* AddedTokenSplitter::find(std::string_view content) const {
  for (const AddedToken& t : tokens_) {
    if (t.content == content) return &t;
  }
  return nullptr;
}

const AddedToken* AddedTokenSplitter::find_id(int id) const {
  for (const AddedToken& t : tokens_) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::vector<Segment> AddedTokenSplitter::split(std::string_view text) const {
  struct Match {
    size_t begin, end;  // the token itself
    size_t token;
  };
  std::vector<Match> matches;
  if (!tokens_.empty()) {
    for (size_t pos = 0; pos < text.size();) {
      const auto& bucket = by_first_byte_[static_cast<unsigned char>(text[pos])];
      const AddedToken* found = nullptr;
      size_t found_index = 0;
      for (int index : bucket) {
        const AddedToken& t = tokens_[index];
        if (text.compare(pos, t.content.size(), t.content) != 0) continue;
        if (t.single_word && !stands_alone(text, pos, pos + t.content.size())) continue;
        found = &t;
        found_index = static_cast<size_t>(index);
        break;  // longest first
      }
      if (found == nullptr) {
        ++pos;  // tokens are UTF-8, so they can only match at character starts
        continue;
      }
      matches.push_back({pos, pos + found->content.size(), found_index});
      pos += found->content.size();
    }
  }

  auto is_space = [this](char32_t cp) {
    return style_ == StripStyle::kPythonIsspace ? unicode::is_python_space(cp)
                                                : unicode::is_regex_space(cp);
  };
  std::vector<Segment> segments;
  size_t text_begin = 0;  // start of the plain text before the next match
  for (size_t m = 0; m < matches.size(); ++m) {
    const AddedToken& token = tokens_[matches[m].token];
    size_t text_end = matches[m].begin;
    if (token.lstrip) {
      while (text_end > text_begin) {
        size_t start = previous_char_start(text, text_end);
        size_t pos = start;
        if (!is_space(unicode::next_codepoint(text, pos))) break;
        text_end = start;
      }
    }
    if (text_end > text_begin) {
      segments.push_back({text.substr(text_begin, text_end - text_begin), -1});
    }
    segments.push_back(
        {text.substr(matches[m].begin, matches[m].end - matches[m].begin), token.id});
    text_begin = matches[m].end;
    if (token.rstrip) {
      const size_t limit = m + 1 < matches.size() ? matches[m + 1].begin : text.size();
      while (text_begin < limit) {
        size_t pos = text_begin;
        if (!is_space(unicode::next_codepoint(text, pos))) break;
        text_begin = pos;
      }
    }
  }
  if (text_begin < text.size()) segments.push_back({text.substr(text_begin), -1});
  return segments;
}

}  // namespace mlxocr::text
