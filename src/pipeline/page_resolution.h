// The resolution a page comes with, for the layout analysis: Tesseract's column and line
// finding scale with it, so a guessed one is worse than none (bench/PAGES.md, avicanon-006).
#pragma once

#include <cstdint>
#include <filesystem>

#include "image/document.h"

namespace mlxocr {

// Page `page` (1-based) of `doc`, opened from `file`: a PDF's rendering resolution; else what
// the image file says (PNG pHYs, JPEG JFIF density, TIFF tags; the vertical one, as Tesseract
// reads it), rounded to whole dpi; 0 when it says nothing we trust (image/image_resolution.h).
// Reads a single image's bytes again (at most `max_file_bytes`); throws FileError naming
// `file` when that fails.
int page_dpi(const Document& doc, const std::filesystem::path& file, int page,
             std::uintmax_t max_file_bytes);

}  // namespace mlxocr
