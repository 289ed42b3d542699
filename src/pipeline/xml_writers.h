// Results as ALTO XML v4 and PAGE XML (2019-07-15 schema), the formats digital libraries and
// OCR tool chains read. Regions are Tesseract's blocks in page mode (one block for the simple
// layout, one per field in form mode), lines keep their boxes, baselines and reading order.
// Words with boxes (FieldResult::words) are ALTO String elements with HPOS/VPOS/WIDTH/HEIGHT
// and WC (0..1), SP between them, and PAGE Word elements with Coords and TextEquiv@conf. A line
// without word boxes (no ink found) keeps its words as ALTO Strings without positions (the
// schema requires a String per line; we do not invent boxes) and no PAGE Words; PAGE lines
// always carry their text and confidence in TextEquiv.
#pragma once

#include <string>

#include "mlxocr/pipeline.h"

namespace mlxocr {

// One ALTO document for one page.
std::string format_alto(const PageResult& page, RegionMode mode);
// One PAGE document for one page; `created` is its xsd:dateTime (UTC, e.g. from utc_now()).
std::string format_page_xml(const PageResult& page, RegionMode mode, const std::string& created);
// The current time as xsd:dateTime in UTC ("2026-12-03T20:15:00Z").
std::string utc_now();
// `text` with &, <, >, " and ' escaped, and the characters XML 1.0 forbids (control
// characters other than tab, newline, carriage return) dropped.
std::string xml_escape(const std::string& text);

}  // namespace mlxocr
