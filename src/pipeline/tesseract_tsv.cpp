#include "pipeline/tesseract_tsv.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace mlxocr {

namespace {

struct Paragraph {
  int number = 0;
  Box box;
  std::vector<const FieldResult*> lines;
};

struct Block {
  int number = 0;
  Box box;
  std::vector<Paragraph> paragraphs;
};

// Consecutive fields of one block (and paragraph) in reading order.
std::vector<Block> blocks_of(const PageResult& page, RegionMode mode) {
  std::vector<Block> blocks;
  for (const FieldResult& f : page.fields) {
    const int block = f.block > 0 ? f.block : mode == RegionMode::kForm ? f.index : 1;
    const int paragraph = f.block > 0 ? f.paragraph : 1;
    if (blocks.empty() || blocks.back().number != block) blocks.push_back({block, {}, {}});
    Block& b = blocks.back();
    if (b.paragraphs.empty() || b.paragraphs.back().number != paragraph) {
      b.paragraphs.push_back({paragraph, {}, {}});
    }
    b.box = united(b.box, f.box);
    b.paragraphs.back().box = united(b.paragraphs.back().box, f.box);
    b.paragraphs.back().lines.push_back(&f);
  }
  return blocks;
}

// Tesseract's text column holds no tabs or newlines: a word never does (words are split at
// whitespace), and control characters are dropped.
std::string cell_text(const std::string& text) {
  std::string out;
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  return out;
}

void row(std::string& out, int level, int page, int block, int par, int line, int word,
         const Box& box, const std::string& conf, const std::string& text) {
  char numbers[160];
  std::snprintf(numbers, sizeof numbers, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t", level, page,
                block, par, line, word, box.x, box.y, box.w, box.h);
  out += numbers + conf + "\t" + cell_text(text) + "\n";
}

std::string word_conf(double confidence) {
  char text[32];
  std::snprintf(text, sizeof text, "%f", std::clamp(confidence, 0.0, 1.0) * 100);
  return text;
}

}  // namespace

std::string format_tesseract_tsv(const PageResult& page, RegionMode mode, bool header) {
  std::string out = header ? kTesseractTsvHeader : "";
  if (!page.error.empty()) return out;
  const int p = page.page;
  row(out, 1, p, 0, 0, 0, 0, {0, 0, page.width, page.height}, "-1", "");
  for (const Block& block : blocks_of(page, mode)) {
    row(out, 2, p, block.number, 0, 0, 0, block.box, "-1", "");
    for (const Paragraph& par : block.paragraphs) {
      row(out, 3, p, block.number, par.number, 0, 0, par.box, "-1", "");
      int line_number = 0;
      for (const FieldResult* line : par.lines) {
        // Tesseract's numbers count lines within their paragraph.
        const int l = line->block > 0 ? line->line : ++line_number;
        row(out, 4, p, block.number, par.number, l, 0, line->box, "-1", "");
        for (size_t w = 0; w < line->words.size(); ++w) {
          const WordResult& word = line->words[w];
          row(out, 5, p, block.number, par.number, l, static_cast<int>(w) + 1, word.box,
              word_conf(word.confidence), word.text);
        }
      }
    }
  }
  return out;
}

}  // namespace mlxocr
