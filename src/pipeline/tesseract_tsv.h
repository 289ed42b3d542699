// Results in Tesseract 5's TSV layout (`tesseract IMAGE OUT tsv`), for tools written against
// it: a header, then one row per page (level 1), block (2), paragraph (3), line (4) and word (5)
// with left, top, width, height in page pixels; conf is -1 on levels 1-4 and the word's
// confidence times 100 ("%f") on words; text is empty on levels 1-4.
//
// Blocks and paragraphs are Tesseract's own in page mode with the Tesseract layout; otherwise
// a form's fields are one block each and the lines of a page (simple layout, line mode) one
// block, each with one paragraph. A line without word boxes (empty text, or no ink found)
// has no word rows.
#pragma once

#include <string>

#include "mlxocr/pipeline.h"

namespace mlxocr {

inline constexpr const char* kTesseractTsvHeader =
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\t"
    "text\n";

// The rows of one page, with the header first when `header` is set (a file of several pages
// has it once, as Tesseract writes a multi-page TIFF).
std::string format_tesseract_tsv(const PageResult& page, RegionMode mode, bool header = true);

}  // namespace mlxocr
