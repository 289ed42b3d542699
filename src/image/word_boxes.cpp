#include "image/word_boxes.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include <opencv2/imgproc.hpp>

#include "image/ink_fit.h"

namespace mlxocr {

namespace {

// 255 where `gray` is ink; all 0 when ink and paper do not differ enough.
cv::Mat binarise(const cv::Mat& gray) {
  std::optional<cv::Mat> ink = binarise_ink(gray, kWordInkContrast);
  return ink ? *ink : cv::Mat::zeros(gray.size(), CV_8U);
}

// Rules and underlines join every word into one run of columns, and a box outline at a crop's
// edge looks like a word: rows inked along most of the width (and longer than any letter is
// wide), and edge columns inked along nearly the whole height, are cleared.
void clear_lines(cv::Mat& ink) {
  for (int y = 0; y < ink.rows; ++y) {
    const int count = cv::countNonZero(ink.row(y));
    if (count > ink.cols * 6 / 10 && count > 2 * ink.rows) ink.row(y).setTo(0);
  }
  const int band = std::max(2, ink.rows / 8);
  for (int x = 0; x < ink.cols; ++x) {
    if (x >= band && x < ink.cols - band) continue;
    if (cv::countNonZero(ink.col(x)) * 20 > ink.rows * 19) ink.col(x).setTo(0);
  }
}

void clear_specks(cv::Mat& ink) {
  const int min_area = std::max(2, static_cast<int>(ink.rows * ink.rows * kSpeckFraction));
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  std::vector<bool> speck(count, false);
  for (int i = 1; i < count; ++i)
    speck[i] = stats.at<int>(i, cv::CC_STAT_AREA) < min_area;
  for (int y = 0; y < ink.rows; ++y) {
    const int* label = labels.ptr<int>(y);
    std::uint8_t* row = ink.ptr<std::uint8_t>(y);
    for (int x = 0; x < ink.cols; ++x)
      if (speck[label[x]]) row[x] = 0;
  }
}

using Span = InkSpan;

// Where a line's ink lies: its first and last inked column, its topmost and lowest ink row.
struct InkExtent {
  int first = -1, last = -1, top = 0, bottom = -1;
  int height() const { return bottom - top + 1; }
};

InkExtent extent_of(const LineInk& ink) {
  InkExtent e;
  e.top = ink.height;
  for (int x = 0; x < ink.width(); ++x) {
    if (ink.top[x] < 0) continue;
    if (e.first < 0) e.first = x;
    e.last = x;
    e.top = std::min(e.top, ink.top[x]);
    e.bottom = std::max(e.bottom, ink.bottom[x]);
  }
  return e;
}

// Blank runs of columns between the first and the last inked column.
std::vector<Span> gaps_of(const LineInk& ink, int first, int last) {
  std::vector<Span> gaps;
  for (int x = first; x <= last; ++x) {
    if (ink.top[x] >= 0) continue;
    if (!gaps.empty() && gaps.back().end == x) {
      gaps.back().end = x + 1;
    } else {
      gaps.push_back({x, x + 1});
    }
  }
  return gaps;
}

// The blank runs at least kMinWordGap times the ink's height wide: the candidate word gaps.
std::vector<Span> candidate_gaps(const LineInk& ink, const InkExtent& e) {
  const int min_gap = std::max(1, static_cast<int>(std::lround(kMinWordGap * e.height())));
  std::vector<Span> candidates;
  for (const Span& gap : gaps_of(ink, e.first, e.last)) {
    if (gap.width() >= min_gap) candidates.push_back(gap);
  }
  return candidates;
}

// The word boundaries: the n-1 widest candidate gaps (ties: the leftmost), or every candidate
// gap when there are fewer; in order along the line.
std::vector<Span> boundaries(std::vector<Span> candidates, size_t words) {
  if (candidates.size() >= words - 1) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Span& a, const Span& b) { return a.width() > b.width(); });
    candidates.resize(words - 1);
    std::sort(candidates.begin(), candidates.end(),
              [](const Span& a, const Span& b) { return a.begin < b.begin; });
  }
  return candidates;
}

// How many words each segment holds: consecutive runs, at least one each, cut where the words'
// share of the characters best matches the segments' share of the ink's width.
std::vector<int> words_per_segment(const std::vector<Span>& segments,
                                   const std::vector<int>& weights) {
  const int n = static_cast<int>(weights.size()), k = static_cast<int>(segments.size());
  std::vector<double> chars(n + 1, 0);  // chars[b]: share of the characters of words [0, b)
  for (int i = 0; i < n; ++i)
    chars[i + 1] = chars[i] + weights[i];
  for (double& c : chars)
    c /= chars[n];
  double total = 0;
  for (const Span& s : segments)
    total += s.width();
  std::vector<int> counts;
  double ink = 0;
  int before = 0;  // words given to earlier segments
  for (int j = 0; j + 1 < k; ++j) {
    ink += segments[j].width() / total;
    int best = before + 1;
    for (int b = before + 1; b <= n - (k - 1 - j); ++b) {
      if (std::abs(chars[b] - ink) < std::abs(chars[best] - ink)) best = b;
    }
    counts.push_back(best - before);
    before = best;
  }
  counts.push_back(n - before);
  return counts;
}

// The columns of each of a segment's words: cut in proportion to their characters, a space
// between two words counting as one character and the cut in its middle.
std::vector<Span> split(const Span& segment, const int* weights, int count) {
  double units = count - 1;
  for (int t = 0; t < count; ++t)
    units += weights[t];
  std::vector<Span> spans;
  double at = 0;
  int begin = segment.begin;
  for (int t = 0; t + 1 < count; ++t) {
    at += weights[t] + 0.5;
    const int cut = segment.begin + static_cast<int>(std::lround(segment.width() * at / units));
    spans.push_back({begin, std::max(begin + 1, cut)});
    begin = spans.back().end;
    at += 0.5;
  }
  spans.push_back({begin, std::max(begin + 1, segment.end)});
  return spans;
}

cv::Rect tight_box(const LineInk& ink, const Span& span, int ink_top, int ink_bottom) {
  int left = -1, right = -1, top = ink.height, bottom = -1;
  for (int x = span.begin; x < std::min(span.end, ink.width()); ++x) {
    if (ink.top[x] < 0) continue;
    if (left < 0) left = x;
    right = x;
    top = std::min(top, ink.top[x]);
    bottom = std::max(bottom, ink.bottom[x]);
  }
  if (left < 0) return {span.begin, ink_top, span.width(), ink_bottom - ink_top + 1};
  return {left, top, right - left + 1, bottom - top + 1};
}

}  // namespace

bool LineInk::empty() const {
  return std::none_of(top.begin(), top.end(), [](int t) { return t >= 0; });
}

LineInk measure_line_ink(const cv::Mat& image) {
  CV_Assert(image.depth() == CV_8U && (image.channels() == 1 || image.channels() == 3));
  LineInk line;
  line.height = image.rows;
  line.top.assign(image.cols, -1);
  line.bottom.assign(image.cols, -1);
  if (image.rows < 2 || image.cols < 2) return line;
  cv::Mat gray = image;
  if (image.channels() == 3) cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  cv::Mat ink = binarise(gray);
  clear_lines(ink);
  clear_specks(ink);
  for (int y = 0; y < ink.rows; ++y) {
    const std::uint8_t* row = ink.ptr<std::uint8_t>(y);
    for (int x = 0; x < ink.cols; ++x) {
      if (!row[x]) continue;
      if (line.top[x] < 0) line.top[x] = y;
      line.bottom[x] = y;
    }
  }
  return line;
}

std::vector<cv::Rect> place_words(const LineInk& ink, const std::vector<int>& word_chars) {
  if (word_chars.empty() || ink.empty()) return {};
  const InkExtent e = extent_of(ink);
  std::vector<Span> segments;
  int begin = e.first;
  for (const Span& gap : boundaries(candidate_gaps(ink, e), word_chars.size())) {
    segments.push_back({begin, gap.begin});
    begin = gap.end;
  }
  segments.push_back({begin, e.last + 1});

  std::vector<int> weights(word_chars.size());
  for (size_t i = 0; i < word_chars.size(); ++i)
    weights[i] = std::max(1, word_chars[i]);
  const std::vector<int> counts = words_per_segment(segments, weights);
  std::vector<cv::Rect> boxes;
  int word = 0;
  for (size_t j = 0; j < segments.size(); ++j) {
    for (const Span& span : split(segments[j], &weights[word], counts[j]))
      boxes.push_back(tight_box(ink, span, e.top, e.bottom));
    word += counts[j];
  }
  return boxes;
}

std::vector<InkSpan> word_segments(const LineInk& ink) {
  if (ink.empty()) return {};
  const InkExtent e = extent_of(ink);
  std::vector<Span> segments;
  int begin = e.first;
  for (const Span& gap : candidate_gaps(ink, e)) {
    segments.push_back({begin, gap.begin});
    begin = gap.end;
  }
  segments.push_back({begin, e.last + 1});
  return segments;
}

int ink_height(const LineInk& ink) {
  return ink.empty() ? 0 : extent_of(ink).height();
}

LineInk slice_ink(const LineInk& ink, int begin, int end) {
  begin = std::clamp(begin, 0, ink.width());
  end = std::clamp(end, begin, ink.width());
  LineInk part;
  part.height = ink.height;
  part.top.assign(ink.top.begin() + begin, ink.top.begin() + end);
  part.bottom.assign(ink.bottom.begin() + begin, ink.bottom.begin() + end);
  return part;
}

}  // namespace mlxocr
