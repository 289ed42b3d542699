#include "core/printable.h"

#include <cstdint>
#include <cstdio>

namespace mlxocr {

namespace {

// Length of the UTF-8 sequence at `text[i]` and its code point; 0 when not valid UTF-8.
size_t decode_utf8(std::string_view text, size_t i, std::uint32_t& code) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length = lead < 0x80         ? 1
                  : (lead >> 5) == 6  ? 2
                  : (lead >> 4) == 14 ? 3
                  : (lead >> 3) == 30 ? 4
                                      : 0;
  if (length == 0 || i + length > text.size()) return 0;
  code = length == 1 ? lead : lead & (0x7f >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}

// Code points a terminal or a text renderer acts on rather than shows.
bool is_control(std::uint32_t code) {
  return code < 0x20 || code == 0x7f || (code >= 0x80 && code <= 0x9f) ||
         (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

}  // namespace

std::string printable(std::string_view text, size_t max_bytes) {
  std::string out;
  char escape[16];
  size_t i = 0;
  while (i < text.size() && i < max_bytes) {
    std::uint32_t code = 0;
    const size_t length = decode_utf8(text, i, code);
    if (length == 0) {
      std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned char>(text[i]));
      out += escape;
      ++i;
    } else if (is_control(code)) {
      std::snprintf(escape, sizeof escape, code < 0x80 ? "\\x%02x" : "\\u{%04x}",
                    static_cast<unsigned>(code));
      out += escape;
      i += length;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  if (i < text.size()) out += "...";
  return out;
}

}  // namespace mlxocr
