// Text from outside (a server's error message, a header) made safe to print on a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mlxocr {

// `text` with every byte a terminal could act on written as a visible escape: C0 controls (ESC,
// CR, BEL, ...) and DEL as \xHH, C1 controls and the bidirectional overrides as \u{HHHH}, bytes
// that are not UTF-8 as \xHH. Longer texts are cut at `max_bytes` of input and end in "...".
std::string printable(std::string_view text, size_t max_bytes = 300);

}  // namespace mlxocr
