// Results as text, JSON, CSV/TSV and hOCR.
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
// extra model. `separator` is ',' (RFC 4180 quoting) or '\t' (tabs and newlines in text escaped).
std::string format_table(const std::vector<PageResult>& pages, char separator);
// hOCR 1.2: one ocr_page with an ocrx_line (page/line mode) or ocr_carea (form mode) per region.
std::string format_hocr(const PageResult& page, RegionMode mode);

}  // namespace mlxocr
