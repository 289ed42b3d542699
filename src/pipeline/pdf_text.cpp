#include "pipeline/pdf_text.h"

#include "pipeline/glyphless_font.h"
#include "pipeline/pdf_objects.h"
#include "text/unicode.h"

namespace mlxocr {

namespace {

constexpr uint16_t kReplacement = 0xFFFD;
constexpr uint16_t kFirstBeyondBmpCode = 0xD800, kBeyondBmpCodes = 0x800;

std::string hex4(uint32_t value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out(4, '0');
  for (int i = 3; i >= 0; --i, value >>= 4)
    out[i] = hex[value & 0xF];
  return out;
}

// One run of text laid over a box: the box in PDF points as the text reads it upright (origin
// at the left end of the baseline's line through the box bottom, the run's length and the
// glyphs' height).
struct TextRun {
  std::vector<uint16_t> codes;
  bool space_after = false;
  double origin_x = 0, origin_y = 0, length = 0, height = 0;
};

// 0, 90, 180 or 270 (orientation detection turns by quarter turns only; anything else is 0).
int quarter_turn(int degrees) {
  const int turn = ((degrees % 360) + 360) % 360;
  return turn % 90 == 0 ? turn : 0;
}

// The box's corner where upright text starts, its extent along and across the text.
TextRun place(const Box& box, const PdfPageGeometry& g) {
  const double left = box.x * g.points_per_pixel_x, right = box.right() * g.points_per_pixel_x;
  const double top = g.page_height - box.y * g.points_per_pixel_y;
  const double bottom = g.page_height - box.bottom() * g.points_per_pixel_y;
  TextRun run;
  switch (quarter_turn(g.rotation_degrees)) {
    case 90:  // runs upwards, glyph tops to the left
      run.origin_x = right, run.origin_y = bottom, run.length = top - bottom;
      run.height = right - left;
      break;
    case 180:  // runs leftwards, upside down
      run.origin_x = right, run.origin_y = top, run.length = right - left;
      run.height = top - bottom;
      break;
    case 270:  // runs downwards, glyph tops to the right
      run.origin_x = left, run.origin_y = top, run.length = top - bottom;
      run.height = right - left;
      break;
    default:
      run.origin_x = left, run.origin_y = bottom, run.length = right - left;
      run.height = top - bottom;
  }
  return run;
}

void append_run(std::string& out, const TextRun& run, int rotation, const std::string& font) {
  if (run.codes.empty() || run.height <= 0 || run.length <= 0) return;
  // Glyphs of size h reach kGlyphlessAscent/1000 h above the baseline and -Descent/1000 h below:
  // with the baseline that far above the box bottom, a reader's glyph box is the given box.
  const double size = run.height;
  const double rise = -kGlyphlessDescent / 1000.0 * size;
  // The text direction (c, s) for a quarter turn counter-clockwise: exact, no trigonometry.
  const int turn = quarter_turn(rotation);
  const double c = turn == 0 ? 1 : turn == 180 ? -1 : 0, s = turn == 90 ? 1 : turn == 270 ? -1 : 0;
  const double x = run.origin_x - s * rise, y = run.origin_y + c * rise;
  // Horizontal scaling stretches the glyphs' nominal advance to the box length.
  const double nominal = run.codes.size() * size * kGlyphlessAdvance / 1000.0;
  const double scale = 100.0 * run.length / nominal;
  out += "/" + font + " " + pdf_number(size) + " Tf " + pdf_number(scale) + " Tz ";
  out += pdf_number(c) + " " + pdf_number(s) + " " + pdf_number(-s) + " " + pdf_number(c) + " " +
         pdf_number(x) + " " + pdf_number(y) + " Tm <";
  for (uint16_t code : run.codes)
    out += hex4(code);
  if (run.space_after) out += hex4(' ');
  out += "> Tj\n";
}

}  // namespace

std::vector<uint16_t> PdfCharCodes::encode(std::string_view utf8) {
  std::vector<uint16_t> codes;
  const std::string text = unicode::to_valid_utf8(utf8);
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp = unicode::next_codepoint(text, pos);
    if (cp < 0x20 || cp == 0x7F) cp = ' ';  // a tab or a newline inside a line reads as a space
    if (cp < 0x10000) {
      codes.push_back(static_cast<uint16_t>(cp));
      continue;
    }
    auto it = beyond_bmp_.find(cp);
    if (it == beyond_bmp_.end() && beyond_bmp_.size() < kBeyondBmpCodes) {
      const auto code = static_cast<uint16_t>(kFirstBeyondBmpCode + beyond_bmp_.size());
      it = beyond_bmp_.emplace(cp, code).first;
    }
    codes.push_back(it == beyond_bmp_.end() ? kReplacement : it->second);
  }
  return codes;
}

std::string PdfCharCodes::to_unicode_cmap() const {
  std::string map =
      "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  // Every code of the BMP outside the surrogates is its own character. A bfrange may only vary
  // its last byte, and a block holds at most 100 entries (PDF 32000-1, 9.10.3).
  std::vector<std::string> ranges;
  for (uint32_t high = 0; high < 0x100; ++high) {
    if (high >= 0xD8 && high <= 0xDF) continue;
    const std::string first = hex4(high << 8);
    ranges.push_back("<" + first + "> <" + hex4((high << 8) | 0xFF) + "> <" + first + ">\n");
  }
  for (size_t i = 0; i < ranges.size(); i += 100) {
    const size_t n = std::min<size_t>(100, ranges.size() - i);
    map += std::to_string(n) + " beginbfrange\n";
    for (size_t k = i; k < i + n; ++k)
      map += ranges[k];
    map += "endbfrange\n";
  }
  std::vector<std::string> chars;
  for (const auto& [cp, code] : beyond_bmp_) {
    chars.push_back("<" + hex4(code) + "> <" + hex4(0xD800 + ((cp - 0x10000) >> 10)) +
                    hex4(0xDC00 + ((cp - 0x10000) & 0x3FF)) + ">\n");
  }
  for (size_t i = 0; i < chars.size(); i += 100) {
    const size_t n = std::min<size_t>(100, chars.size() - i);
    map += std::to_string(n) + " beginbfchar\n";
    for (size_t k = i; k < i + n; ++k)
      map += chars[k];
    map += "endbfchar\n";
  }
  return map + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
}

std::string pdf_text_layer(const PageResult& page, const PdfPageGeometry& geometry,
                           const std::string& font, PdfCharCodes& codes) {
  std::string ops;
  for (const FieldResult& field : page.fields) {
    if (field.words.empty()) {
      TextRun run = place(field.box, geometry);
      run.codes = codes.encode(field.text);
      append_run(ops, run, geometry.rotation_degrees, font);
      continue;
    }
    for (size_t i = 0; i < field.words.size(); ++i) {
      TextRun run = place(field.words[i].box, geometry);
      run.codes = codes.encode(field.words[i].text);
      run.space_after = i + 1 < field.words.size();
      append_run(ops, run, geometry.rotation_degrees, font);
    }
  }
  if (ops.empty()) return "";
  return "BT\n3 Tr\n" + ops + "ET\n";
}

}  // namespace mlxocr
