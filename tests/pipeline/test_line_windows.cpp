// Long lines in windows: the plan on ink drawn here (where every word's columns are known), and
// the merge of readings made up for those windows (what each window "read" is set here, so the
// expected line is known without the model).
#include <gtest/gtest.h>

#include "pipeline/line_windows.h"
#include "pipeline/windowed_reading.h"

namespace mlxocr {
namespace {

constexpr int kHeight = 30;  // the crop's rows; ink on rows 5..24 (ink height 20)

// A line crop `width` columns wide with ink on rows 5..24 in each of `words` (columns).
LineInk ink_of(int width, const std::vector<InkSpan>& words) {
  LineInk ink;
  ink.height = kHeight;
  ink.top.assign(width, -1);
  ink.bottom.assign(width, -1);
  for (const InkSpan& w : words) {
    for (int x = w.begin; x < w.end; ++x)
      ink.top[x] = 5, ink.bottom[x] = 24;
  }
  return ink;
}

// `count` words of `word_width` columns, `gap` apart, from x = 10; the crop ends 10 after.
std::vector<InkSpan> words_of(int count, int word_width, int gap) {
  std::vector<InkSpan> words;
  for (int i = 0; i < count; ++i) {
    const int begin = 10 + i * (word_width + gap);
    words.push_back({begin, begin + word_width});
  }
  return words;
}

int crop_width(const std::vector<InkSpan>& words) {
  return words.back().end + 10;
}

bool inside(const InkSpan& word, const InkSpan& window) {
  return word.begin >= window.begin && word.end <= window.end;
}

bool apart(const InkSpan& word, const InkSpan& window) {
  return word.end <= window.begin || word.begin >= window.end;
}

TEST(LineWindowRule, FollowsTheProcessorsAspectAtLeastEight) {
  const WindowRule strip = window_rule(384, 32, 62);  // the bundled model
  EXPECT_DOUBLE_EQ(strip.window_aspect, 12);
  EXPECT_DOUBLE_EQ(strip.threshold, 12);
  EXPECT_EQ(strip.max_chars, 60);
  const WindowRule square = window_rule(384, 384, 128);  // TrOCR
  EXPECT_DOUBLE_EQ(square.window_aspect, 8);
  EXPECT_DOUBLE_EQ(square.threshold, 8);
  EXPECT_DOUBLE_EQ(window_rule(384, 32, 62, 3).window_aspect, 3);
}

TEST(LineWindowPlan, ALineThatFitsIsReadWhole) {
  const std::vector<InkSpan> words = words_of(5, 40, 8);  // 280 columns, aspect 9.3 < 12
  EXPECT_TRUE(
      plan_windows(ink_of(crop_width(words), words), window_rule(384, 32, 62)).windows.empty());
}

TEST(LineWindowPlan, CutsOnlyAtGapsWithOneWordSharedAndEveryWindowWithinTheAspect) {
  // 30 words of 50 columns, 8 apart: 1742 columns, aspect 58.
  const std::vector<InkSpan> words = words_of(30, 50, 8);
  const int width = crop_width(words);
  const WindowRule rule = window_rule(384, 32, 62);
  const WindowPlan plan = plan_windows(ink_of(width, words), rule);
  ASSERT_GE(plan.windows.size(), 5u);  // 1742 / 360 columns at most each
  ASSERT_EQ(plan.shared.size(), plan.windows.size() - 1);
  EXPECT_EQ(plan.windows.front().begin, 0);
  EXPECT_EQ(plan.windows.back().end, width);
  for (size_t k = 0; k < plan.windows.size(); ++k) {
    const InkSpan& window = plan.windows[k];
    EXPECT_LE(window.width(), rule.window_aspect * kHeight) << "window " << k;
    int held = 0;
    for (const InkSpan& word : words) {
      EXPECT_TRUE(inside(word, window) || apart(word, window))
          << "window " << k << " [" << window.begin << ", " << window.end << ") cuts the word ["
          << word.begin << ", " << word.end << ")";
      held += inside(word, window);
    }
    EXPECT_GE(held, 2) << "window " << k;
    if (k + 1 == plan.windows.size()) continue;
    int both = 0;
    for (const InkSpan& word : words) {
      if (inside(word, window) && inside(word, plan.windows[k + 1])) {
        ++both;
        EXPECT_EQ(word.begin, plan.shared[k].begin);
        EXPECT_EQ(word.end, plan.shared[k].end);
      }
    }
    EXPECT_EQ(both, 1) << "windows " << k << " and " << k + 1 << " share " << both << " words";
  }
}

TEST(LineWindowPlan, ALineWithoutWordGapsIsReadWhole) {
  // Letter gaps of 2 columns (0.1 of the ink height): no word gap anywhere along 1700 columns.
  const std::vector<InkSpan> letters = words_of(150, 9, 2);
  EXPECT_TRUE(
      plan_windows(ink_of(crop_width(letters), letters), window_rule(384, 32, 62)).windows.empty());
  const std::vector<InkSpan> one = {{10, 1700}};
  EXPECT_TRUE(plan_windows(ink_of(1710, one), window_rule(384, 32, 62)).windows.empty());
}

TEST(LineWindowPlan, ALineWithMoreCharactersThanTokensIsWindowedThoughItFits) {
  // Aspect 9.3, but about 260 / (0.45 * 20) = 29 characters against a budget of 10.
  const std::vector<InkSpan> words = words_of(5, 40, 8);
  const WindowRule rule = window_rule(384, 32, 12);
  const WindowPlan plan = plan_windows(ink_of(crop_width(words), words), rule);
  ASSERT_GE(plan.windows.size(), 2u);
  for (const InkSpan& w : plan.windows)
    EXPECT_LE(w.width(), rule.window_aspect * kHeight);
}

TEST(LineWindowPlan, TwoWordsTooWideForOneWindowStillShareOne) {
  // Words of 300 columns: no two fit into 360, each window holds two anyway.
  const std::vector<InkSpan> words = words_of(4, 300, 10);
  const WindowPlan plan = plan_windows(ink_of(crop_width(words), words), window_rule(384, 32, 62));
  ASSERT_EQ(plan.windows.size(), 3u);
  ASSERT_EQ(plan.shared.size(), 2u);
  EXPECT_EQ(plan.shared[0].begin, words[1].begin);
  EXPECT_EQ(plan.shared[1].begin, words[2].begin);
}

// What window k read: `texts` of the words it holds, each with its confidence.
RecognizedLine reading(const std::vector<std::string>& texts, const std::vector<double>& conf) {
  RecognizedLine line;
  for (size_t i = 0; i < texts.size(); ++i) {
    line.text += (i ? " " : "") + texts[i];
    line.words.push_back({texts[i], conf[i]});
  }
  line.confidence = 0.5;
  line.finished = true;
  return line;
}

// Ten words "w0".."w9" (each of 60 columns, 12 apart), windows of aspect 6 (180 columns): the
// readings give every word its true text unless `misread` changes it in one window.
struct MergeCase {
  std::vector<InkSpan> words = words_of(10, 60, 12);
  LineInk ink = ink_of(crop_width(words), words);
  WindowPlan plan = plan_windows(ink, window_rule(384, 32, 62, 6));

  std::vector<size_t> words_in(size_t k) const {
    std::vector<size_t> held;
    for (size_t i = 0; i < words.size(); ++i)
      if (inside(words[i], plan.windows[k])) held.push_back(i);
    return held;
  }
};

TEST(LineWindowMerge, EveryWordOnceInOrderWithItsBox) {
  MergeCase c;
  ASSERT_GE(c.plan.windows.size(), 3u);
  std::vector<RecognizedLine> readings;
  for (size_t k = 0; k < c.plan.windows.size(); ++k) {
    std::vector<std::string> texts;
    std::vector<double> conf;
    for (const size_t i : c.words_in(k)) {
      texts.push_back("w" + std::to_string(i));
      conf.push_back(0.9);
    }
    readings.push_back(reading(texts, conf));
  }
  const MergedLine merged = merge_windows(c.ink, c.plan, readings);
  EXPECT_EQ(merged.line.text, "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9");
  ASSERT_EQ(merged.words.size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    const cv::Rect expected(c.words[i].begin, 5, c.words[i].width(), 20);
    EXPECT_EQ(merged.words[i].box, expected) << merged.words[i].text;
  }
  EXPECT_NEAR(merged.line.confidence, 0.9, 1e-9);
  EXPECT_TRUE(merged.line.finished);
}

TEST(LineWindowMerge, TheSharedWordComesFromTheMoreConfidentWindow) {
  MergeCase c;
  ASSERT_GE(c.plan.windows.size(), 3u);
  // Window 0 misreads its shared (last) word at low confidence; window 1 misreads its own
  // shared (last) word at a higher confidence than window 2 reads it.
  const size_t s0 = c.words_in(0).back(), s1 = c.words_in(1).back();
  std::vector<RecognizedLine> readings;
  for (size_t k = 0; k < c.plan.windows.size(); ++k) {
    std::vector<std::string> texts;
    std::vector<double> conf;
    for (const size_t i : c.words_in(k)) {
      const bool left_misread = k == 0 && i == s0;
      const bool right_doubtful = k == 2 && i == s1;
      texts.push_back(left_misread ? "xx" : (k == 1 && i == s1 ? "W" : "w") + std::to_string(i));
      conf.push_back(left_misread ? 0.2 : right_doubtful ? 0.4 : 0.9);
    }
    readings.push_back(reading(texts, conf));
  }
  const MergedLine merged = merge_windows(c.ink, c.plan, readings);
  std::string expected;
  for (size_t i = 0; i < 10; ++i)
    expected += (i ? " " : "") + std::string(i == s1 ? "W" : "w") + std::to_string(i);
  EXPECT_EQ(merged.line.text, expected);
  EXPECT_EQ(merged.line.text.find("xx"), std::string::npos);
}

TEST(LineWindowMerge, AWindowThatReadNothingLosesItsSharedWordsToItsNeighbours) {
  MergeCase c;
  ASSERT_GE(c.plan.windows.size(), 3u);
  ASSERT_EQ(c.words_in(1).size(), 2u);  // 2 words of 60 in 180 columns: both shared
  std::vector<RecognizedLine> readings;
  for (size_t k = 0; k < c.plan.windows.size(); ++k) {
    std::vector<std::string> texts;
    std::vector<double> conf;
    for (const size_t i : c.words_in(k)) {
      texts.push_back("w" + std::to_string(i));
      conf.push_back(0.3);
    }
    readings.push_back(k == 1 ? RecognizedLine{} : reading(texts, conf));
  }
  const MergedLine merged = merge_windows(c.ink, c.plan, readings);
  EXPECT_EQ(merged.line.text, "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9");
  EXPECT_FALSE(merged.line.finished);  // window 1 did not finish
}

TEST(LineWindowCrop, AWindowIsItsColumnsOfTheCropAtFullHeight) {
  RgbImage image;
  image.width = 4, image.height = 2;
  for (int i = 0; i < 4 * 2 * 3; ++i)
    image.pixels.push_back(static_cast<uint8_t>(i));
  const RgbImage part = crop_columns(image, 1, 3);
  EXPECT_EQ(part.width, 2);
  EXPECT_EQ(part.height, 2);
  const std::vector<uint8_t> expected = {3, 4, 5, 6, 7, 8, 15, 16, 17, 18, 19, 20};
  EXPECT_EQ(part.pixels, expected);
  EXPECT_EQ(crop_columns(image, 3, 3).width, 0);
}

}  // namespace
}  // namespace mlxocr
