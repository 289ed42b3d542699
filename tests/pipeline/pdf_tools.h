// poppler-utils as the tests' independent reader of our searchable PDFs: pdftotext's words with
// their boxes, pdfinfo's page count and sizes. Missing tools fail the test with a message.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "cli_support.h"

namespace mlxocr::testing {

struct PdfWord {
  std::string text;
  double x_min = 0, y_min = 0, x_max = 0, y_max = 0;  // points, y down from the page top
};

// stdout of a shell command; stderr goes into it too when `with_stderr`.
inline std::string command_output(const std::string& command, int* status = nullptr,
                                  bool with_stderr = false) {
  FILE* pipe = ::popen((command + (with_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  std::string out;
  if (!pipe) return out;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    out.append(buffer.data(), n);
  const int code = ::pclose(pipe);
  if (status) *status = code;
  return out;
}

// Asserts that poppler-utils is installed (dev.sh installs it), so that a machine without it
// fails loudly instead of passing with nothing checked.
#define MLXOCR_REQUIRE_POPPLER_UTILS()                                                    \
  ASSERT_EQ(std::system("pdftotext -v >/dev/null 2>&1 && pdfinfo -v >/dev/null 2>&1"), 0) \
      << "pdftotext/pdfinfo are missing: install poppler-utils (Debian; dev.sh installs it)"

inline std::string xml_unescape(std::string text) {
  const std::vector<std::pair<std::string, std::string>> entities = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + 1))
      text.replace(at, from.size(), to);
  }
  return text;
}

// pdftotext -bbox's words of page `page` (0: every page), in its reading order.
inline std::vector<PdfWord> pdf_words(const std::filesystem::path& pdf, int page = 0) {
  const std::string range =
      page > 0 ? " -f " + std::to_string(page) + " -l " + std::to_string(page) : "";
  const std::string html = command_output("pdftotext -bbox" + range + " " + quoted(pdf) + " -");
  static const std::regex word(
      "<word xMin=\"([0-9.]+)\" yMin=\"([0-9.]+)\" xMax=\"([0-9.]+)\" yMax=\"([0-9.]+)\">([^<]*)"
      "</word>");
  std::vector<PdfWord> words;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), word); it != std::sregex_iterator();
       ++it) {
    const std::smatch& m = *it;
    words.push_back(
        {xml_unescape(m[5]), std::stod(m[1]), std::stod(m[2]), std::stod(m[3]), std::stod(m[4])});
  }
  return words;
}

// pdfinfo's "Key: value" for one key (trimmed), "" when absent.
inline std::string pdf_info(const std::filesystem::path& pdf, const std::string& key) {
  const std::string info = command_output("pdfinfo " + quoted(pdf));
  const std::regex line("(^|\n)" + key + ":\\s*([^\n]*)");
  std::smatch m;
  return std::regex_search(info, m, line) ? std::string(m[2]) : "";
}

}  // namespace mlxocr::testing
