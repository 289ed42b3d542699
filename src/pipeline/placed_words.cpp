#include "pipeline/placed_words.h"

#include "pipeline/confidence.h"

namespace mlxocr {

int utf8_length(const std::string& text) {
  int n = 0;
  for (const char c : text)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::vector<PlacedWord> place_reading_words(const RecognizedLine& reading, const LineInk& ink) {
  const std::vector<std::string> texts = split_words(reading.text);
  std::vector<int> chars;
  for (const std::string& word : texts)
    chars.push_back(utf8_length(word));
  const std::vector<cv::Rect> boxes = place_words(ink, chars);
  if (boxes.size() != texts.size()) return {};
  bool same = reading.words.size() == texts.size();
  for (size_t i = 0; same && i < texts.size(); ++i)
    same = reading.words[i].text == texts[i];
  std::vector<PlacedWord> words;
  for (size_t i = 0; i < texts.size(); ++i) {
    words.push_back({texts[i], boxes[i], same ? reading.words[i].confidence : reading.confidence});
  }
  return words;
}

}  // namespace mlxocr
