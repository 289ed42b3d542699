#include "text/unicode.h"

namespace mlxocr::unicode {

namespace {

// Length of the well-formed character at s[pos], or 0 when it is ill-formed; then `subpart` is the
// length of the maximal ill-formed subsequence starting there (Unicode 3.9 "best practice", U+FFFD
// substitution of maximal subparts, which Python and Rust both follow).
size_t scan(std::string_view s, size_t pos, size_t& subpart) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return 1;
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the first continuation byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 == 0xE0) {
    need = 2, lo = 0xA0;  // no overlong forms
  } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    need = 2;
  } else if (b0 == 0xED) {
    need = 2, hi = 0x9F;  // no surrogates
  } else if (b0 == 0xF0) {
    need = 3, lo = 0x90;
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    need = 3;
  } else if (b0 == 0xF4) {
    need = 3, hi = 0x8F;  // nothing above U+10FFFF
  } else {
    subpart = 1;
    return 0;
  }
  for (size_t i = 1; i <= need; ++i) {
    if (pos + i >= s.size()) {
      subpart = i;
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[pos + i]);
    if (b < lo || b > hi) {
      subpart = i;
      return 0;
    }
    lo = 0x80, hi = 0xBF;
  }
  return need + 1;
}

}  // namespace

size_t find_invalid_utf8(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t subpart = 0;
    const size_t n = scan(text, pos, subpart);
    if (n == 0) return pos;
    pos += n;
  }
  return kValid;
}

char32_t next_codepoint(std::string_view text, size_t& pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  size_t n = 1;
  char32_t cp = b0;
  if (b0 >= 0xF0) {
    n = 4, cp = b0 & 0x07;
  } else if (b0 >= 0xE0) {
    n = 3, cp = b0 & 0x0F;
  } else if (b0 >= 0xC0) {
    n = 2, cp = b0 & 0x1F;
  }
  for (size_t i = 1; i < n && pos + i < text.size(); ++i) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  }
  pos += n;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string to_valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t subpart = 0;
    const size_t n = scan(bytes, pos, subpart);
    if (n > 0) {
      out.append(bytes.substr(pos, n));
      pos += n;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      pos += subpart;
    }
  }
  return out;
}

std::string_view python_lstrip(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = pos;
    const char32_t cp = next_codepoint(text, next);
    // A sequence cut short by the end is no space, and `next` would point past the end.
    if (next > text.size() || !is_python_space(cp)) break;
    pos = next;
  }
  return text.substr(pos);
}

std::string_view python_rstrip(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
      --start;
    size_t pos = start;
    const char32_t cp = next_codepoint(text, pos);
    if (pos != end || !is_python_space(cp)) break;  // a cut sequence is no space either
    end = start;
  }
  return text.substr(0, end);
}

}  // namespace mlxocr::unicode
