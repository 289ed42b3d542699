// A TrueType font with no visible glyph, made in code, for the invisible text layer of
// searchable PDFs. Tesseract ships such a font as a file (pdf.ttf); ours is built from the few
// tables a TrueType reader needs, so no file has to travel with the binary.
#pragma once

#include <string>

namespace mlxocr {

// Font metrics the PDF's font dictionaries must repeat (units per em: 1000).
inline constexpr int kGlyphlessAdvance = 500;   // every glyph's advance width
inline constexpr int kGlyphlessAscent = 800;    // above the baseline
inline constexpr int kGlyphlessDescent = -200;  // below the baseline

// The font file: glyph 0 (.notdef, a plain box as the format asks) and glyph 1 (empty), both
// kGlyphlessAdvance wide, with head/hhea/maxp/OS/2/hmtx/cmap/loca/glyf/name/post tables and
// correct checksums. A PDF maps every character code to glyph 1 (CIDToGIDMap).
std::string glyphless_truetype_font();

}  // namespace mlxocr
