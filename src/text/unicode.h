// UTF-8 and the few Unicode properties the tokenizers need, with the exact semantics of the
// reference (Python's and Rust's UTF-8 decoders, the regex classes of the GPT-2 pre-tokeniser).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mlxocr::unicode {

inline constexpr size_t kValid = static_cast<size_t>(-1);

// Offset of the first byte that does not start a well-formed UTF-8 character (overlong forms,
// surrogates and code points above U+10FFFF are ill-formed), or kValid.
size_t find_invalid_utf8(std::string_view text);

// Decodes the character at text[pos] of well-formed UTF-8 text and advances pos past it.
char32_t next_codepoint(std::string_view text, size_t& pos);

// Appends the UTF-8 encoding of a code point (which must not be a surrogate).
void append_utf8(std::string& out, char32_t cp);

// Bytes to valid UTF-8 as Python's bytes.decode("utf-8", errors="replace") and Rust's
// String::from_utf8_lossy make it: every maximal ill-formed subsequence becomes one U+FFFD.
std::string to_valid_utf8(std::string_view bytes);

// Regex classes of the GPT-2 pre-tokeniser (\p{L}, \p{N}, \s), as the reference's Oniguruma build
// classifies them; \s is also Rust's char::is_whitespace, which the fast tokenizers' lstrip/rstrip
// of added tokens use.
bool is_letter(char32_t cp);
bool is_number(char32_t cp);
bool is_regex_space(char32_t cp);
// Python's str.isspace(): \s plus U+001C..U+001F, used by the slow tokenizers' strip().
bool is_python_space(char32_t cp);

// Python's str.strip() family on well-formed UTF-8.
std::string_view python_lstrip(std::string_view text);
std::string_view python_rstrip(std::string_view text);
inline std::string_view python_strip(std::string_view text) {
  return python_rstrip(python_lstrip(text));
}

}  // namespace mlxocr::unicode
