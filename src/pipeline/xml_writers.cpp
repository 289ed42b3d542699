#include "pipeline/xml_writers.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <sstream>
#include <vector>

namespace mlxocr {

namespace {

// Regions in reading order, each with its lines in order.
struct Region {
  int id = 0;
  Box box;
  std::vector<const FieldResult*> lines;
};

std::vector<Region> regions_of(const PageResult& page, RegionMode mode) {
  std::vector<Region> regions;
  for (const FieldResult& field : page.fields) {
    const int id = field.block > 0 ? field.block : mode == RegionMode::kForm ? field.index : 1;
    if (regions.empty() || regions.back().id != id) regions.push_back({id, {}, {}});
    regions.back().box = united(regions.back().box, field.box);
    regions.back().lines.push_back(&field);
  }
  return regions;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;)
    words.push_back(word);
  return words;
}

std::string confidence(double value) {
  char text[16];
  std::snprintf(text, sizeof text, "%.4f", std::clamp(value, 0.0, 1.0));
  return text;
}

std::string alto_box(const Box& box) {
  return " HPOS=\"" + std::to_string(box.x) + "\" VPOS=\"" + std::to_string(box.y) + "\" WIDTH=\"" +
         std::to_string(box.w) + "\" HEIGHT=\"" + std::to_string(box.h) + "\"";
}

// PAGE's points are non-negative integers; a baseline Tesseract extends past the page edge is
// cut at it.
std::string coordinate(int value) {
  return std::to_string(std::max(0, value));
}

std::string points(const Box& box) {
  const std::string l = coordinate(box.x), t = coordinate(box.y);
  const std::string r = coordinate(box.right()), b = coordinate(box.bottom());
  return l + "," + t + " " + r + "," + t + " " + r + "," + b + " " + l + "," + b;
}

std::string baseline_points(const FieldResult& f) {
  return coordinate(f.baseline_start.x) + "," + coordinate(f.baseline_start.y) + " " +
         coordinate(f.baseline_end.x) + "," + coordinate(f.baseline_end.y);
}

std::string page_id(const PageResult& page) {
  // Appended, not "p" + to_string(...): GCC 12 warns falsely (-Wstringop-overflow) on that.
  std::string id = "p";
  id += std::to_string(page.page);
  return id;
}

// A line's words as String elements with their boxes and confidences, SP between them; without
// word boxes, the words of its text without positions.
void alto_strings(std::ostream& out, const FieldResult& line, const std::string& line_id) {
  for (size_t w = 0; w < line.words.size(); ++w) {
    const WordResult& word = line.words[w];
    if (w) out << "            <SP/>\n";
    out << "            <String ID=\"" << line_id << "_w" << w + 1 << "\"" << alto_box(word.box)
        << " WC=\"" << confidence(word.confidence) << "\" CONTENT=\"" << xml_escape(word.text)
        << "\"/>\n";
  }
  if (!line.words.empty()) return;
  std::vector<std::string> words = words_of(line.text);
  if (words.empty()) words.push_back("");  // the schema wants a String in every line
  for (size_t w = 0; w < words.size(); ++w) {
    if (w) out << "            <SP/>\n";
    out << "            <String CONTENT=\"" << xml_escape(words[w]) << "\"/>\n";
  }
}

// PAGE Word elements: Coords, then TextEquiv (the 2019 schema's order).
void page_words(std::ostream& out, const FieldResult& line, const std::string& line_id) {
  for (size_t w = 0; w < line.words.size(); ++w) {
    const WordResult& word = line.words[w];
    out << "        <Word id=\"" << line_id << "_w" << w + 1 << "\">\n"
        << "          <Coords points=\"" << points(word.box) << "\"/>\n"
        << "          <TextEquiv conf=\"" << confidence(word.confidence) << "\">\n"
        << "            <Unicode>" << xml_escape(word.text) << "</Unicode>\n"
        << "          </TextEquiv>\n        </Word>\n";
  }
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string format_alto(const PageResult& page, RegionMode mode) {
  std::ostringstream out;
  const std::string pid = page_id(page);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\" "
         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
         "xsi:schemaLocation=\"http://www.loc.gov/standards/alto/ns-v4# "
         "http://www.loc.gov/alto/v4/alto-4-4.xsd\">\n"
      << "  <Description>\n    <MeasurementUnit>pixel</MeasurementUnit>\n"
      << "    <sourceImageInformation>\n      <fileName>" << xml_escape(page.source)
      << "</fileName>\n    </sourceImageInformation>\n"
      << "    <OCRProcessing ID=\"ocr\">\n      <ocrProcessingStep>\n"
      << "        <processingStepDescription>layout, then TrOCR line recognition; word boxes "
         "placed on the ink of each line (gaps between words, proportional cuts where words "
         "touch); String elements without positions are the words of a line where no ink was "
         "found</processingStepDescription>\n"
      << "        <processingSoftware>\n          <softwareName>mlxocr</softwareName>\n"
      << "          <softwareVersion>" << MLXOCR_VERSION << "</softwareVersion>\n"
      << "        </processingSoftware>\n      </ocrProcessingStep>\n    </OCRProcessing>\n"
      << "  </Description>\n  <Layout>\n"
      << "    <Page ID=\"" << pid << "\" PHYSICAL_IMG_NR=\"" << page.page << "\" WIDTH=\""
      << page.width << "\" HEIGHT=\"" << page.height << "\">\n"
      << "      <PrintSpace HPOS=\"0\" VPOS=\"0\" WIDTH=\"" << page.width << "\" HEIGHT=\""
      << page.height << "\">\n";
  for (const Region& region : regions_of(page, mode)) {
    const std::string bid = pid + "_b" + std::to_string(region.id);
    out << "        <TextBlock ID=\"" << bid << "\"" << alto_box(region.box) << ">\n";
    for (const FieldResult* line : region.lines) {
      const std::string lid = pid + "_l" + std::to_string(line->index);
      out << "          <TextLine ID=\"" << lid << "\"" << alto_box(line->box);
      if (line->has_baseline) out << " BASELINE=\"" << baseline_points(*line) << "\"";
      out << ">\n";
      alto_strings(out, *line, lid);
      out << "          </TextLine>\n";
    }
    out << "        </TextBlock>\n";
  }
  out << "      </PrintSpace>\n    </Page>\n  </Layout>\n</alto>\n";
  return out.str();
}

std::string format_page_xml(const PageResult& page, RegionMode mode, const std::string& created) {
  std::ostringstream out;
  const std::vector<Region> regions = regions_of(page, mode);
  const std::string pid = page_id(page);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<PcGts xmlns=\"http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15\" "
         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
         "xsi:schemaLocation=\"http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15 "
         "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15/pagecontent.xsd\">\n"
      << "  <Metadata>\n    <Creator>mlxocr " << MLXOCR_VERSION << "</Creator>\n"
      << "    <Created>" << created << "</Created>\n    <LastChange>" << created
      << "</LastChange>\n  </Metadata>\n"
      << "  <Page imageFilename=\"" << xml_escape(page.source) << "\" imageWidth=\"" << page.width
      << "\" imageHeight=\"" << page.height << "\">\n";
  if (!regions.empty()) {
    out << "    <ReadingOrder>\n      <OrderedGroup id=\"" << pid << "_ro\">\n";
    for (size_t i = 0; i < regions.size(); ++i) {
      out << "        <RegionRefIndexed index=\"" << i << "\" regionRef=\"" << pid << "_r"
          << regions[i].id << "\"/>\n";
    }
    out << "      </OrderedGroup>\n    </ReadingOrder>\n";
  }
  for (const Region& region : regions) {
    out << "    <TextRegion id=\"" << pid << "_r" << region.id << "\">\n"
        << "      <Coords points=\"" << points(region.box) << "\"/>\n";
    for (const FieldResult* line : region.lines) {
      const std::string lid = pid + "_l" + std::to_string(line->index);
      out << "      <TextLine id=\"" << lid << "\">\n"
          << "        <Coords points=\"" << points(line->box) << "\"/>\n";
      if (line->has_baseline) {
        out << "        <Baseline points=\"" << baseline_points(*line) << "\"/>\n";
      }
      page_words(out, *line, lid);
      out << "        <TextEquiv conf=\"" << confidence(line->confidence) << "\">\n"
          << "          <Unicode>" << xml_escape(line->text) << "</Unicode>\n"
          << "        </TextEquiv>\n      </TextLine>\n";
    }
    out << "    </TextRegion>\n";
  }
  out << "  </Page>\n</PcGts>\n";
  return out.str();
}

}  // namespace mlxocr
