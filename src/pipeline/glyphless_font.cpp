#include "pipeline/glyphless_font.h"

#include <cstdint>
#include <map>
#include <vector>

namespace mlxocr {

namespace {

// Big-endian writer: every TrueType field is big-endian.
class Bytes {
 public:
  Bytes& u16(uint32_t v) {
    data_ += static_cast<char>((v >> 8) & 0xFF);
    data_ += static_cast<char>(v & 0xFF);
    return *this;
  }
  Bytes& s16(int v) { return u16(static_cast<uint16_t>(static_cast<int16_t>(v))); }
  Bytes& u32(uint32_t v) { return u16(v >> 16).u16(v & 0xFFFF); }
  Bytes& raw(const std::string& bytes) {
    data_ += bytes;
    return *this;
  }
  Bytes& zeros(size_t n) {
    data_.append(n, '\0');
    return *this;
  }
  const std::string& str() const { return data_; }

 private:
  std::string data_;
};

constexpr int kUnitsPerEm = 1000;
constexpr int kNotdefWidth = kGlyphlessAdvance, kNotdefHeight = kGlyphlessAscent;

uint32_t checksum(const std::string& table) {
  std::string padded = table;
  padded.append((4 - padded.size() % 4) % 4, '\0');
  uint32_t sum = 0;
  for (size_t i = 0; i < padded.size(); i += 4) {
    uint32_t word = 0;
    for (size_t k = 0; k < 4; ++k)
      word = (word << 8) | static_cast<unsigned char>(padded[i + k]);
    sum += word;
  }
  return sum;
}

// .notdef: one closed contour, the rectangle (0,0)-(width,height); glyph 1 has no outline.
std::string glyf_table() {
  Bytes b;
  b.s16(1).s16(0).s16(0).s16(kNotdefWidth).s16(kNotdefHeight);  // contours, bounding box
  b.u16(3).u16(0);                                              // last point, no instructions
  for (int i = 0; i < 4; ++i)
    b.raw(std::string(1, '\x01'));  // on curve, 16-bit x and y deltas
  for (int dx : {0, kNotdefWidth, 0, -kNotdefWidth})
    b.s16(dx);
  for (int dy : {0, 0, kNotdefHeight, 0})
    b.s16(dy);
  return b.str();  // 34 bytes; the table pads it to 36
}

std::string head_table() {
  Bytes b;
  b.u32(0x00010000).u32(0x00010000).u32(0).u32(0x5F0F3CF5);  // versions, adjustment, magic
  b.u16(0x000B).u16(kUnitsPerEm).zeros(16);                  // flags, units, dates
  b.s16(0).s16(0).s16(kNotdefWidth).s16(kNotdefHeight);      // bounding box of all glyphs
  b.u16(0).u16(3).s16(2).s16(0).s16(0);  // style, smallest size, direction, short loca, format
  return b.str();
}

std::string hhea_table() {
  Bytes b;
  b.u32(0x00010000).s16(kGlyphlessAscent).s16(kGlyphlessDescent).s16(0);
  b.u16(kGlyphlessAdvance).s16(0).s16(0).s16(kNotdefWidth);  // advance max, side bearings, extent
  b.s16(1).s16(0).s16(0).zeros(8).s16(0).u16(2);  // caret, reserved, format, metrics count
  return b.str();
}

std::string maxp_table() {
  Bytes b;
  b.u32(0x00010000).u16(2).u16(4).u16(1).u16(0).u16(0).u16(2);  // glyphs, points, contours, zones
  b.zeros(16);
  return b.str();
}

std::string os2_table() {
  Bytes b;
  b.u16(1).s16(kGlyphlessAdvance).u16(400).u16(5).u16(0);  // version, width, weight, fsType
  for (int v : {650, 600, 0, 75, 650, 600, 0, 350, 50, 250})
    b.s16(v);                                // sub/superscript sizes and offsets, strikeout
  b.s16(0).zeros(10).zeros(16).raw("MLXO");  // family class, panose, Unicode ranges, vendor
  b.u16(0x0040).u16(0xFFFF).u16(0xFFFF);     // regular; the cmap maps no character
  b.s16(kGlyphlessAscent).s16(kGlyphlessDescent).s16(0);
  b.u16(kGlyphlessAscent).u16(-kGlyphlessDescent).u32(1).u32(0);  // win metrics, Latin 1 page
  return b.str();
}

std::string hmtx_table() {
  Bytes b;
  b.u16(kGlyphlessAdvance).s16(0).u16(kGlyphlessAdvance).s16(0);
  return b.str();
}

std::string loca_table(size_t notdef_bytes) {
  const uint32_t end = static_cast<uint32_t>((notdef_bytes + 3) / 4 * 4);
  Bytes b;
  b.u16(0).u16(end / 2).u16(end / 2);  // short offsets are halved
  return b.str();
}

// A Windows Unicode cmap that maps nothing: the PDF picks glyphs through its CIDToGIDMap.
std::string cmap_table() {
  Bytes b;
  b.u16(0).u16(1).u16(3).u16(1).u32(12);
  b.u16(4).u16(24).u16(0).u16(2).u16(2).u16(0).u16(0);  // format 4 header, one segment
  b.u16(0xFFFF).u16(0).u16(0xFFFF).u16(1).u16(0);       // the required final segment
  return b.str();
}

std::string name_table() {
  const std::map<int, std::string> names = {
      {1, "GlyphLessFont"}, {2, "Regular"}, {4, "GlyphLessFont"}, {6, "GlyphLessFont"}};
  Bytes records, strings;
  for (const auto& [id, text] : names) {
    std::string utf16;
    for (char c : text)
      utf16 += std::string(1, '\0') + c;
    records.u16(3).u16(1).u16(0x409).u16(id).u16(utf16.size()).u16(strings.str().size());
    strings.raw(utf16);
  }
  Bytes b;
  b.u16(0).u16(names.size()).u16(6 + records.str().size()).raw(records.str()).raw(strings.str());
  return b.str();
}

std::string post_table() {
  Bytes b;
  b.u32(0x00030000).u32(0).s16(-100).s16(50).u32(1).zeros(16);  // no glyph names, fixed pitch
  return b.str();
}

}  // namespace

std::string glyphless_truetype_font() {
  const std::string glyf = glyf_table();
  // Sorted by tag, as the table directory must be.
  const std::vector<std::pair<std::string, std::string>> tables = {
      {"OS/2", os2_table()},
      {"cmap", cmap_table()},
      {"glyf", glyf},
      {"head", head_table()},
      {"hhea", hhea_table()},
      {"hmtx", hmtx_table()},
      {"loca", loca_table(glyf.size())},
      {"maxp", maxp_table()},
      {"name", name_table()},
      {"post", post_table()}};
  const uint16_t count = static_cast<uint16_t>(tables.size());
  Bytes directory;
  directory.u32(0x00010000).u16(count).u16(128).u16(3).u16(count * 16 - 128);  // 8 <= 10 < 16
  uint32_t offset = 12 + 16 * count;
  std::string body;
  size_t head_offset = 0;
  for (const auto& [tag, data] : tables) {
    directory.raw(tag).u32(checksum(data)).u32(offset).u32(data.size());
    if (tag == "head") head_offset = offset;
    std::string padded = data;
    padded.append((4 - data.size() % 4) % 4, '\0');
    body += padded;
    offset += padded.size();
  }
  std::string font = directory.str() + body;
  // head.checkSumAdjustment makes the whole file sum to 0xB1B0AFBA.
  const uint32_t adjustment = 0xB1B0AFBA - checksum(font);
  for (int k = 0; k < 4; ++k)
    font[head_offset + 8 + k] = static_cast<char>((adjustment >> (24 - 8 * k)) & 0xFF);
  return font;
}

}  // namespace mlxocr
