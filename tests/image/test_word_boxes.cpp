// Word boxes on a line crop: words drawn at known places are found there, whether the ink has
// more gaps than words (letter-spaced words) or fewer (touching words). The expected boxes come
// from drawing each word alone on clean paper, never from the code under test.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "image/word_boxes.h"
#include "mlxocr/box.h"

namespace mlxocr {
namespace {

constexpr int kPaper = 240, kInk = 30;

struct Drawn {
  cv::Mat line;                 // grey line crop holding every word
  std::vector<cv::Rect> words;  // each word's ink, drawn alone
  std::vector<int> chars;
};

cv::Rect dark_box(const cv::Mat& gray) {
  cv::Mat dark;
  cv::threshold(gray, dark, (kPaper + kInk) / 2, 255, cv::THRESH_BINARY_INV);
  return cv::boundingRect(dark);
}

// Letters drawn one by one: `letter_gap` pixels between the letters of a word, `word_gap`
// between words.
Drawn draw_words(const std::vector<std::string>& words, int letter_gap, int word_gap,
                 int width = 900) {
  Drawn d;
  d.line = cv::Mat(56, width, CV_8UC1, cv::Scalar(kPaper));
  int x = 12;
  for (const std::string& word : words) {
    cv::Mat alone(d.line.size(), CV_8UC1, cv::Scalar(kPaper));
    for (const char c : word) {
      const std::string letter(1, c);
      int baseline = 0;
      const cv::Size size = cv::getTextSize(letter, cv::FONT_HERSHEY_SIMPLEX, 1.0, 2, &baseline);
      for (cv::Mat* target : {&d.line, &alone})
        cv::putText(*target, letter, {x, 38}, cv::FONT_HERSHEY_SIMPLEX, 1.0, cv::Scalar(kInk), 2);
      x += size.width + letter_gap;
    }
    d.words.push_back(dark_box(alone));
    d.chars.push_back(static_cast<int>(word.size()));
    x += word_gap - letter_gap;
  }
  return d;
}

Box to_box(const cv::Rect& r) {
  return {r.x, r.y, r.width, r.height};
}

void expect_found(const std::vector<cv::Rect>& got, const std::vector<cv::Rect>& want,
                  double min_iou) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_GE(iou(to_box(got[i]), to_box(want[i])), min_iou)
        << "word " << i << ": got " << got[i] << ", drawn " << want[i];
  }
}

TEST(WordBoxes, WordsOfAPrintedLineAreFoundWhereTheyWereDrawn) {
  // putText's own spacing: the words of one string, each also drawn alone at its place.
  const std::vector<std::string> words = {"Invoice", "No.", "4711", "paid", "in", "full"};
  cv::Mat line(50, 700, CV_8UC1, cv::Scalar(kPaper));
  std::vector<cv::Rect> drawn;
  std::vector<int> chars;
  int x = 10;
  for (const std::string& word : words) {
    int baseline = 0;
    const cv::Size size = cv::getTextSize(word, cv::FONT_HERSHEY_SIMPLEX, 0.9, 2, &baseline);
    cv::Mat alone(line.size(), CV_8UC1, cv::Scalar(kPaper));
    cv::putText(alone, word, {x, 34}, cv::FONT_HERSHEY_SIMPLEX, 0.9, cv::Scalar(kInk), 2);
    cv::putText(line, word, {x, 34}, cv::FONT_HERSHEY_SIMPLEX, 0.9, cv::Scalar(kInk), 2);
    drawn.push_back(dark_box(alone));
    chars.push_back(static_cast<int>(word.size()));
    x += size.width + 16;  // about a space of this font
  }
  expect_found(find_word_boxes(line, chars), drawn, 0.9);
  // A colour crop is read alike.
  cv::Mat bgr;
  cv::cvtColor(line, bgr, cv::COLOR_GRAY2BGR);
  expect_found(find_word_boxes(bgr, chars), drawn, 0.9);
}

TEST(WordBoxes, MoreGapsThanWordsTakesTheWidest) {
  // Letter-spaced words: every letter stands apart, 9 pixels from the next; words 40 apart.
  const Drawn d = draw_words({"WIDE", "spaced", "words"}, 9, 40);
  expect_found(find_word_boxes(d.line, d.chars), d.words, 0.9);
}

TEST(WordBoxes, TiesBetweenEquallyWideGapsGoToTheLeftmost) {
  // Three blocks, equal gaps, two words: the first gap is the boundary.
  cv::Mat line(40, 300, CV_8UC1, cv::Scalar(kPaper));
  for (const int x : {10, 80, 150})
    cv::rectangle(line, cv::Rect(x, 10, 50, 20), cv::Scalar(kInk), cv::FILLED);
  const std::vector<cv::Rect> boxes = find_word_boxes(line, {1, 1});
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0], cv::Rect(10, 10, 50, 20));
  EXPECT_EQ(boxes[1], cv::Rect(80, 10, 120, 20));
}

TEST(WordBoxes, TouchingWordsAreCutInProportionToTheirCharacters) {
  // Solid ink, 10 pixels a character: "abc" (30) and "defghi" (60) touch, then a 40 pixel gap
  // and "jk" (20). The gap holds the last word; the touching pair is cut at 3.5 of its 10
  // character units (a space counts as one).
  cv::Mat line(40, 300, CV_8UC1, cv::Scalar(kPaper));
  cv::rectangle(line, cv::Rect(20, 10, 90, 20), cv::Scalar(kInk), cv::FILLED);
  cv::rectangle(line, cv::Rect(150, 12, 20, 16), cv::Scalar(kInk), cv::FILLED);
  const std::vector<cv::Rect> want = {{20, 10, 30, 20}, {50, 10, 60, 20}, {150, 12, 20, 16}};
  const std::vector<cv::Rect> boxes = find_word_boxes(line, {3, 6, 2});
  expect_found(boxes, want, 0.9);
  EXPECT_NEAR(boxes[0].br().x, 20 + 32, 1);  // 90 * 3.5 / 10 = 31.5
  // With no gap at all, every word shares the one run of ink.
  cv::Mat pair(40, 300, CV_8UC1, cv::Scalar(kPaper));
  cv::rectangle(pair, cv::Rect(20, 10, 90, 20), cv::Scalar(kInk), cv::FILLED);
  expect_found(find_word_boxes(pair, {3, 6}), {{20, 10, 30, 20}, {50, 10, 60, 20}}, 0.9);
}

TEST(WordBoxes, TouchingPrintedWordsAreFoundApproximately) {
  const Drawn d = draw_words({"north", "west", "wind"}, -3, -6);  // tight letters, words touch
  expect_found(find_word_boxes(d.line, d.chars), d.words, 0.5);
}

TEST(WordBoxes, UnderlinesAndSpecksDoNotJoinOrMakeWords) {
  Drawn d = draw_words({"Main", "Street"}, 2, 30, 300);
  const int right = d.words.back().br().x;
  cv::line(d.line, {5, 46}, {right + 10, 46}, cv::Scalar(kInk), 2);  // an underline
  d.line.at<std::uint8_t>(10, right + 40) = kInk;                    // a speck far to the right
  expect_found(find_word_boxes(d.line, d.chars), d.words, 0.85);
}

TEST(WordBoxes, NoWordsOrNoInkGiveNoBoxes) {
  const Drawn d = draw_words({"text"}, 2, 20, 200);
  EXPECT_TRUE(find_word_boxes(d.line, {}).empty());
  cv::Mat blank(40, 200, CV_8UC1);
  cv::randu(blank, kPaper - 15, kPaper + 15);  // paper texture only
  EXPECT_TRUE(find_word_boxes(blank, {4}).empty());
  EXPECT_TRUE(measure_line_ink(blank).empty());
  EXPECT_TRUE(find_word_boxes(cv::Mat(1, 1, CV_8UC1, cv::Scalar(0)), {1}).empty());
  // One word: its whole ink.
  expect_found(find_word_boxes(d.line, {4}), d.words, 0.95);
}

TEST(WordBoxes, MoreWordsThanInkColumnsStillGivesABoxEach) {
  cv::Mat line(20, 30, CV_8UC1, cv::Scalar(kPaper));
  cv::rectangle(line, cv::Rect(10, 5, 3, 10), cv::Scalar(kInk), cv::FILLED);
  const std::vector<cv::Rect> boxes = find_word_boxes(line, {1, 1, 1, 1, 1});
  ASSERT_EQ(boxes.size(), 5u);
  for (const cv::Rect& box : boxes) {
    EXPECT_GT(box.width, 0);
    EXPECT_GT(box.height, 0);
  }
}

}  // namespace
}  // namespace mlxocr
