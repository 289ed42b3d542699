// The review page served at GET / (plain HTML, CSS and JavaScript in one string, no build step).
#pragma once

#include <string>

namespace mlxocr::serve {

const std::string& review_page_html();

}  // namespace mlxocr::serve
