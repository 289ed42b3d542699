#include "pipeline/line_windows.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pipeline/confidence.h"
#include "pipeline/placed_words.h"

namespace mlxocr {

namespace {

// Everything plan_windows needs to measure a candidate window of segments [s, e].
struct Planner {
  const LineInk& ink;
  const WindowRule& rule;
  std::vector<InkSpan> segments;
  int pad = 1;
  double char_width = 1;

  // Crop columns of segments [s, e] with their margins.
  InkSpan columns(size_t s, size_t e) const {
    const int left = s == 0 ? 0 : std::max(segments[s - 1].end, segments[s].begin - pad);
    const int right = e + 1 == segments.size()
                          ? ink.width()
                          : std::min(segments[e + 1].begin, segments[e].end + pad);
    return {left, right};
  }

  bool fits(size_t s, size_t e) const {
    const int ink_width = segments[e].end - segments[s].begin;
    return columns(s, e).width() <= rule.window_aspect * ink.height &&
           ink_width / char_width <= rule.max_chars;
  }
};

}  // namespace

WindowRule window_rule(int model_width, int model_height, int max_new_tokens,
                       double window_aspect) {
  WindowRule rule;
  rule.window_aspect =
      window_aspect > 0 ? window_aspect
                        : std::max(kMinWindowAspect, 1.0 * model_width / std::max(1, model_height));
  rule.threshold = kWindowThresholdFactor * rule.window_aspect;
  rule.max_chars = std::max(1, max_new_tokens - 2);  // the end-of-sequence token and one spare
  return rule;
}

WindowPlan plan_windows(const LineInk& ink, const WindowRule& rule) {
  Planner p{ink, rule, word_segments(ink)};
  if (p.segments.size() < 2) return {};
  const int height = ink_height(ink);
  p.pad = std::max(1, height / 2);
  p.char_width = std::max(1.0, kCharAdvance * height);
  const int ink_width = p.segments.back().end - p.segments.front().begin;
  const bool too_wide = ink.width() > rule.threshold * ink.height;
  const bool too_long = ink_width / p.char_width > rule.max_chars;
  if (!too_wide && !too_long) return {};
  WindowPlan plan;
  size_t s = 0;
  const size_t last = p.segments.size() - 1;
  while (true) {
    size_t e = s + 1;  // at least two segments, so that consecutive windows share one
    while (e < last && p.fits(s, e + 1))
      ++e;
    plan.windows.push_back(p.columns(s, e));
    if (e == last) break;
    plan.shared.push_back(p.segments[e]);
    s = e;
  }
  return plan;
}

namespace {

// Window k's words placed on its ink, boxes in crop pixels.
std::vector<WindowWord> place_window_words(const LineInk& ink, const InkSpan& window,
                                           const RecognizedLine& reading) {
  std::vector<WindowWord> words =
      place_reading_words(reading, slice_ink(ink, window.begin, window.end));
  for (WindowWord& word : words)
    word.box += cv::Point(window.begin, 0);
  return words;
}

double centre(const WindowWord& word) {
  return word.box.x + word.box.width / 2.0;
}

// Mean confidence (weighted by characters) of the words whose centre lies on `segment`; -1 when
// none does.
double confidence_on(const std::vector<WindowWord>& words, const InkSpan& segment) {
  double sum = 0, weight = 0;
  for (const WindowWord& w : words) {
    const double c = centre(w);
    if (c < segment.begin || c >= segment.end) continue;
    const double n = utf8_length(w.text);
    sum += n * w.confidence;
    weight += n;
  }
  return weight > 0 ? sum / weight : -1;
}

}  // namespace

MergedLine merge_windows(const LineInk& ink, const WindowPlan& plan,
                         const std::vector<RecognizedLine>& readings) {
  const size_t n = plan.windows.size();
  std::vector<std::vector<WindowWord>> words(n);
  for (size_t k = 0; k < n && k < readings.size(); ++k)
    words[k] = place_window_words(ink, plan.windows[k], readings[k]);
  // cuts[k]: window k keeps words centred in [cuts[k], cuts[k + 1]).
  std::vector<double> cuts(n + 1, 0);
  cuts[0] = -std::numeric_limits<double>::infinity();
  cuts[n] = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k + 1 < n && k < plan.shared.size(); ++k) {
    const InkSpan& segment = plan.shared[k];
    const bool left_keeps =
        confidence_on(words[k], segment) >= confidence_on(words[k + 1], segment);
    cuts[k + 1] = left_keeps ? segment.end : segment.begin;
  }
  MergedLine merged;
  merged.line.finished = !readings.empty();
  double log_sum = 0, weight = 0, lowest = 1;
  for (size_t k = 0; k < n; ++k) {
    if (k < readings.size()) {
      merged.line.finished = merged.line.finished && readings[k].finished;
      lowest = std::min(lowest, readings[k].confidence);
    }
    for (const WindowWord& w : words[k]) {
      if (centre(w) < cuts[k] || centre(w) >= cuts[k + 1]) continue;
      if (!merged.words.empty()) merged.line.text += ' ';
      merged.line.text += w.text;
      merged.line.words.push_back({w.text, w.confidence});
      merged.words.push_back(w);
      const double chars = utf8_length(w.text) + 1;
      log_sum += chars * std::log(std::max(w.confidence, 1e-12));
      weight += chars;
    }
  }
  merged.line.confidence = weight > 0 ? std::exp(log_sum / weight) : (n ? lowest : 0);
  // The kept words placed again on the whole line's ink, as a line read whole places its
  // words: windows that split a segment's words differently would leave boxes overlapping.
  std::vector<int> chars;
  for (const WindowWord& w : merged.words)
    chars.push_back(utf8_length(w.text));
  const std::vector<cv::Rect> boxes = place_words(ink, chars);
  if (boxes.size() == merged.words.size()) {
    for (size_t i = 0; i < boxes.size(); ++i)
      merged.words[i].box = boxes[i];
  }
  return merged;
}

}  // namespace mlxocr
