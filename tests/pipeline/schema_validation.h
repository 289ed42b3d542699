// ALTO and PAGE documents checked against the official schemas (tests/fixtures/schemas, from
// PyPI packages: tools/schemas/fetch.sh) with xmllint.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_support.h"

namespace mlxocr::testing {

inline bool have_xmllint() {
  return std::system("xmllint --version >/dev/null 2>&1") == 0;
}

// "" when `xml` is valid against `schema` (a file in tests/fixtures/schemas), else xmllint's
// complaint. The catalog maps ALTO's xlink import to the file beside it and --nonet forbids
// fetching anything.
inline std::string validate(const std::filesystem::path& xml, const std::string& schema) {
  const auto quoted = [](const std::filesystem::path& p) { return "'" + p.string() + "'"; };
  const std::filesystem::path schemas = fixtures() / "schemas";
  const std::filesystem::path log = xml.string() + ".xmllint";
  const std::string command = "XML_CATALOG_FILES=" + quoted(schemas / "catalog.xml") +
                              " xmllint --nonet --noout --schema " + quoted(schemas / schema) +
                              " " + quoted(xml) + " 2>" + quoted(log);
  const int status = std::system(command.c_str());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return status == 0 ? "" : "xmllint failed (" + std::to_string(status) + "): " + text.str();
}

}  // namespace mlxocr::testing
