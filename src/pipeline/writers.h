// Results as text, JSON (with each field's words and their boxes), CSV/TSV and hOCR.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlxocr/pipeline.h"

namespace mlxocr {

// Line and page mode: the text, one line per region; form mode: "N<TAB>name<TAB>text".
std::string format_text(const PageResult& page, RegionMode mode);
nlohmann::json to_json(const PageResult& page);
// One row per field of every page: file,page,index,name,x,y,w,h,text,confidence then one column per
// extra model, then (when some field has a type) type and valid (yes / no). `separator` is ','
// (RFC 4180 quoting) or '\t' (tabs and newlines in text escaped).
std::string format_table(const std::vector<PageResult>& pages, char separator);
// hOCR 1.2 (XHTML): one ocr_page holding an ocr_line per region (page/line mode) or an
// ocr_carea holding its ocr_line per field (form mode); each line holds its words as ocrx_word
// spans with bbox and x_wconf (0-100), or its text alone when it has no word boxes.
std::string format_hocr(const PageResult& page, RegionMode mode);

// A CSV or TSV cell (see format_table).
std::string table_cell(const std::string& value, char separator);

}  // namespace mlxocr
