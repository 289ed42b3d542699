#include "serve/review_page.h"

namespace mlxocr::serve {

const std::string& review_page_html() {
  static const std::string page = R"HTML(<!doctype html>
<html><head><meta charset="utf-8"><title>mlxocr review</title></head>
<body><h1>mlxocr</h1></body></html>
)HTML";
  return page;
}

}  // namespace mlxocr::serve
