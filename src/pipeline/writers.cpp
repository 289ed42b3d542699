#include "pipeline/writers.h"

#include "pipeline/xml_writers.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace mlxocr {

namespace {

std::string csv_cell(const std::string& value) {
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value)
    out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string tsv_cell(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\t')
      out += "\\t";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\\')
      out += "\\\\";
    else
      out += c;
  }
  return out;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", value);
  return text;
}

nlohmann::json box_json(const Box& box) {
  return {{"x", box.x}, {"y", box.y}, {"w", box.w}, {"h", box.h}};
}

nlohmann::json words_json(const std::vector<WordResult>& words) {
  nlohmann::json out = nlohmann::json::array();
  for (const WordResult& w : words)
    out.push_back({{"text", w.text}, {"box", box_json(w.box)}, {"confidence", w.confidence}});
  return out;
}

std::string bbox(const Box& box) {
  return "bbox " + std::to_string(box.x) + " " + std::to_string(box.y) + " " +
         std::to_string(box.right()) + " " + std::to_string(box.bottom());
}

int percent(double confidence) {
  return static_cast<int>(std::clamp(confidence, 0.0, 1.0) * 100 + 0.5);
}

// One ocr_line: its words as ocrx_word spans, or its text alone when it has no word boxes.
void hocr_line(std::ostream& out, const FieldResult& f, const std::string& indent) {
  const std::string id = std::to_string(f.index);
  out << indent << "<span class=\"ocr_line\" id=\"line_" << id << "\" title=\"" << bbox(f.box)
      << "; x_wconf " << percent(f.confidence) << "\">";
  if (f.words.empty()) out << xml_escape(f.text);
  for (size_t w = 0; w < f.words.size(); ++w) {
    const WordResult& word = f.words[w];
    out << (w ? " " : "") << "<span class=\"ocrx_word\" id=\"word_" << id << "_" << w + 1
        << "\" title=\"" << bbox(word.box) << "; x_wconf " << percent(word.confidence) << "\">"
        << xml_escape(word.text) << "</span>";
  }
  out << "</span>\n";
}

}  // namespace

std::string format_text(const PageResult& page, RegionMode mode) {
  std::string out;
  for (const FieldResult& field : page.fields) {
    if (mode == RegionMode::kForm) {
      out += std::to_string(field.index) + "\t" + field.name + "\t" + field.text + "\n";
    } else {
      out += field.text + "\n";
    }
  }
  return out;
}

nlohmann::json to_json(const PageResult& page) {
  nlohmann::json j = {{"image", page.source}, {"page", page.page}};
  if (page.page_count > 1) j["page_count"] = page.page_count;
  if (!page.error.empty()) {
    j["error"] = page.error;
    return j;
  }
  j["width"] = page.width;
  j["height"] = page.height;
  if (page.alignment) {
    j["alignment"] = {{"applied", page.alignment->applied},
                      {"dx", page.alignment->dx},
                      {"dy", page.alignment->dy},
                      {"angle_degrees", page.alignment->angle_degrees},
                      {"correlation", page.alignment->correlation}};
    if (!page.alignment->note.empty()) j["alignment"]["note"] = page.alignment->note;
  }
  if (page.skew_degrees != 0) j["skew_degrees"] = page.skew_degrees;
  if (page.rotation_degrees != 0) j["rotation_degrees"] = page.rotation_degrees;
  if (!page.layout_note.empty()) j["layout_note"] = page.layout_note;
  nlohmann::json fields = nlohmann::json::array();
  for (const FieldResult& f : page.fields) {
    nlohmann::json models = nlohmann::json::array();
    for (const ModelText& m : f.models) {
      models.push_back({{"model", m.model}, {"text", m.text}, {"confidence", m.confidence}});
      if (!f.type.empty()) models.back()["valid"] = m.valid;
    }
    nlohmann::json field = {{"index", f.index},
                            {"name", f.name},
                            {"box", box_json(f.box)},
                            {"text", f.text},
                            {"confidence", f.confidence},
                            {"models", models},
                            {"words", words_json(f.words)}};
    if (f.block > 0) {
      field["block"] = f.block;
      field["paragraph"] = f.paragraph;
      field["line"] = f.line;
    }
    if (f.has_baseline) {
      field["baseline"] = {f.baseline_start.x, f.baseline_start.y, f.baseline_end.x,
                           f.baseline_end.y};
    }
    if (!f.type.empty()) {  // typed fields only, so that untyped output stays as it was
      field["type"] = f.type;
      field["valid"] = f.valid;
      if (f.checked) field["checked"] = *f.checked;
      if (!f.type_note.empty()) field["type_note"] = f.type_note;
    }
    fields.push_back(field);
  }
  j["fields"] = fields;
  return j;
}

std::string table_cell(const std::string& value, char separator) {
  return separator == ',' ? csv_cell(value) : tsv_cell(value);
}

std::string format_table(const std::vector<PageResult>& pages, char separator) {
  const auto cell = [separator](const std::string& v) { return table_cell(v, separator); };
  size_t extra_models = 0;
  bool typed = false;  // type and valid columns only when some field has a type
  for (const auto& page : pages) {
    for (const auto& f : page.fields) {
      extra_models = std::max(extra_models, f.models.empty() ? 0 : f.models.size() - 1);
      typed = typed || !f.type.empty();
    }
  }
  std::ostringstream out;
  const std::string s(1, separator);
  out << "file" << s << "page" << s << "index" << s << "name" << s << "x" << s << "y" << s << "w"
      << s << "h" << s << "text" << s << "confidence";
  for (size_t m = 0; m < extra_models; ++m)
    out << s << "model" << m + 2 << "_text";
  if (typed) out << s << "type" << s << "valid";
  out << s << "error\n";
  for (const auto& page : pages) {
    if (!page.error.empty()) {
      out << cell(page.source) << s << page.page
          << std::string(8 + extra_models + (typed ? 2 : 0), separator) << cell(page.error) << "\n";
      continue;
    }
    for (const auto& f : page.fields) {
      out << cell(page.source) << s << page.page << s << f.index << s << cell(f.name) << s
          << f.box.x << s << f.box.y << s << f.box.w << s << f.box.h << s << cell(f.text) << s
          << number(f.confidence);
      for (size_t m = 0; m < extra_models; ++m) {
        out << s << (m + 1 < f.models.size() ? cell(f.models[m + 1].text) : "");
      }
      if (typed) out << s << cell(f.type) << s << (f.type.empty() ? "" : f.valid ? "yes" : "no");
      out << s << "\n";
    }
  }
  return out.str();
}

std::string format_hocr(const PageResult& page, RegionMode mode) {
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
         "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
      << "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n<head>\n"
      << " <meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
      << " <meta name=\"ocr-system\" content=\"mlxocr\"/>\n"
      << " <meta name=\"ocr-capabilities\" content=\"ocr_page ocr_carea ocr_line ocrx_word\"/>\n"
      << " <title>" << xml_escape(page.source) << "</title>\n</head>\n<body>\n"
      << " <div class=\"ocr_page\" id=\"page_" << page.page << "\" title=\"image &quot;"
      << xml_escape(page.source) << "&quot;; bbox 0 0 " << page.width << " " << page.height
      << "; ppageno " << page.page - 1 << "\">\n";
  for (const FieldResult& f : page.fields) {
    if (mode != RegionMode::kForm) {
      hocr_line(out, f, "  ");
      continue;
    }
    out << "  <div class=\"ocr_carea\" id=\"region_" << f.index << "\" title=\"" << bbox(f.box)
        << "\">\n";
    hocr_line(out, f, "   ");
    out << "  </div>\n";
  }
  out << " </div>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace mlxocr
