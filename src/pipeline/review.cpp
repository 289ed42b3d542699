#include "pipeline/review.h"

#include <cstdio>
#include <sstream>

#include "pipeline/writers.h"
#include "pipeline/xml_writers.h"

namespace mlxocr {

namespace {

std::string fixed(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", value);
  return text;
}

std::string validity(const FieldResult& f) {
  return f.type.empty() ? "" : f.valid ? "yes" : "no";
}

// Why a person should look: what an entry of the HTML page says first.
std::string reasons(const FieldResult& f, double below) {
  std::string out;
  if (f.confidence < below) out = "confidence " + fixed(f.confidence) + " < " + fixed(below);
  if (!f.valid) out += std::string(out.empty() ? "" : "; ") + "not a valid " + f.type;
  if (!f.type_note.empty()) out += "; " + f.type_note;
  return out;
}

}  // namespace

bool needs_review(const FieldResult& field, double below) {
  return field.confidence < below || !field.valid;
}

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    unsigned value = 0;
    for (size_t k = 0; k < 3; ++k)
      value = value << 8 | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0);
    for (size_t k = 0; k < 4; ++k)
      out += k <= n ? kAlphabet[(value >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

std::string format_review_csv(const std::vector<ReviewItem>& items) {
  size_t models = 0;
  for (const ReviewItem& item : items)
    models = std::max(models, item.field->models.size());
  std::ostringstream out;
  out << "file,page,index,name,type,valid,text,confidence";
  for (size_t m = 0; m < models; ++m)
    out << ",model" << m + 1 << ",model" << m + 1 << "_text,model" << m + 1 << "_confidence";
  out << "\n";
  const auto cell = [](const std::string& v) { return table_cell(v, ','); };
  for (const ReviewItem& item : items) {
    const FieldResult& f = *item.field;
    out << cell(item.page->source) << "," << item.page->page << "," << f.index << ","
        << cell(f.name) << "," << cell(f.type) << "," << validity(f) << "," << cell(f.text) << ","
        << fixed(f.confidence);
    for (size_t m = 0; m < models; ++m) {
      if (m < f.models.size()) {
        out << "," << cell(f.models[m].model) << "," << cell(f.models[m].text) << ","
            << fixed(f.models[m].confidence);
      } else {
        out << ",,,";
      }
    }
    out << "\n";
  }
  return out.str();
}

std::string format_review_html(const std::vector<ReviewItem>& items, double below) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<title>mlxocr: " << items.size() << " field(s) to review</title>\n<style>\n"
      << "body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
      << "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}"
      << "img{max-width:480px;border:1px solid #888}.bad{color:#b00}\n</style>\n</head>\n<body>\n"
      << "<h1>" << items.size() << " field(s) to review</h1>\n<p>Fields whose confidence is below "
      << fixed(below) << " or whose text does not fit the field's type.</p>\n<table>\n"
      << "<tr><th>file</th><th>page</th><th>field</th><th>crop</th><th>read</th>"
      << "<th>why</th></tr>\n";
  for (const ReviewItem& item : items) {
    const FieldResult& f = *item.field;
    out << "<tr><td>" << xml_escape(item.page->source) << "</td><td>" << item.page->page
        << "</td><td>" << f.index;
    if (!f.name.empty()) out << " " << xml_escape(f.name);
    if (!f.type.empty()) out << "<br>type " << xml_escape(f.type);
    out << "</td><td>";
    if (item.crop_png.empty()) {
      out << "(no crop)";
    } else {
      out << "<img alt=\"field " << f.index << "\" src=\"data:image/png;base64,"
          << base64(item.crop_png) << "\">";
    }
    out << "</td><td>";
    for (const ModelText& m : f.models) {
      out << "<div" << (m.valid ? "" : " class=\"bad\"") << "><b>" << xml_escape(m.text) << "</b> ("
          << fixed(m.confidence) << ", " << xml_escape(m.model) << (m.valid ? "" : ", not valid")
          << ")</div>";
    }
    out << "</td><td>" << xml_escape(reasons(f, below)) << "</td></tr>\n";
  }
  out << "</table>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace mlxocr
