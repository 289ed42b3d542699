// The invisible text layer of a searchable PDF: character codes for any Unicode text, the
// ToUnicode CMap that maps them back, and the text operators that lay each word (or each line
// without words) over its box on the page image.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mlxocr/pipeline.h"

namespace mlxocr {

// Two-byte character codes (Identity-H). A character of the Basic Multilingual Plane is its own
// UTF-16 code unit; a character beyond it (emoji, rare CJK) gets one of the 2048 codes
// 0xD800-0xDFFF, which UTF-16 text never uses alone, and the CMap maps that code to its
// surrogate pair. Past 2048 such characters in one file, and for ill-formed UTF-8, U+FFFD.
class PdfCharCodes {
 public:
  std::vector<uint16_t> encode(std::string_view utf8);
  // The ToUnicode CMap of every code encode() has handed out.
  std::string to_unicode_cmap() const;

 private:
  std::map<char32_t, uint16_t> beyond_bmp_;
};

// Where a page's pixels lie on the PDF page: points per pixel in x and y, the page height in
// points (PDF's y axis points up), and how the text runs (PageResult::rotation_degrees: text
// read upright after turning the page clockwise by this much runs at this angle, counter-
// clockwise, on the page as stored).
struct PdfPageGeometry {
  double points_per_pixel_x = 0.24, points_per_pixel_y = 0.24;  // 72 / 300
  double page_height = 0;
  int rotation_degrees = 0;
};

// BT..ET operators in invisible render mode (3 Tr) with font `font` (a Type0 font whose glyphs
// are kGlyphlessAdvance wide and kGlyphlessAscent / kGlyphlessDescent high): each word of each
// field at its box, else the field's whole text at the field's box; words of a field are
// separated by a space, so text extraction finds the word boundaries. Empty when the page has
// no text.
std::string pdf_text_layer(const PageResult& page, const PdfPageGeometry& geometry,
                           const std::string& font, PdfCharCodes& codes);

}  // namespace mlxocr
