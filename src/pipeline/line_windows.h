// Long lines read in windows: a line crop wider than the model's input is cut into
// overlapping windows at gaps between words found on its ink, each window is read with the
// model, and the readings are merged where they overlap (docs/long_lines.md).
//
// The rule. The window aspect W is the model's input aspect (image processor width / height:
// 12 for the bundled 32x384 model), at least kMinWindowAspect: a square TrOCR encoder (384x384)
// was trained on whole text lines squeezed into it, so its own aspect (1) says nothing of what
// it reads well, and windows of one or two words would lose the words' context. A crop is read
// in windows when it is wider than W times its height (kWindowThresholdFactor 1: read whole, it
// would be squeezed; on 100 printed lines of aspect 11-21, windowing those over 1.5 W gave 9.6 %
// CER, those over W 7.2 %, none 16.2 %: bench/LONG_LINES.md), or when its ink
// holds more characters than the model may emit (estimated: the ink's width over kCharAdvance
// times its height, against the checkpoint's max_new_tokens - 2: one token per character, as the
// bundled model's vocabulary has it; byte-pair vocabularies take fewer, so the estimate errs
// towards windows). Everything else is read whole, exactly as before.
//
// The plan. The ink is cut into segments at its candidate word gaps (image/word_boxes.h). A
// window is a run of consecutive segments with its margins (half the line's ink height into the
// gap on either side, the crop's own edge at the line's ends); consecutive windows share one
// segment. Windows are made greedily from the left, each as long as fits W times the crop's
// height and the character budget. Two segments that do not fit together make a window of
// their own anyway (read squeezed, still less than the whole line). A line without word gaps
// (one segment) is read whole: cutting a run of touching letters would cut a letter.
//
// The merge. Each window's words are placed on its ink (place_words). The words of the segment
// two windows share were read twice: the reading with the higher mean word confidence on that
// segment is kept (ties: the left window), the other dropped. Confidence rather than distance
// from the window's edge, because both windows end at that segment's gap (the shared segment
// is always the last of one window and the first of the next, at the same distance from both
// edges), while the model's confidence drops where it misread it (a cut-off context, a word
// squeezed at the end of its budget). A window that read no word on the segment loses to one
// that did. Words are kept by where their box's centre lies, so each place on the line is read
// by exactly one window: nothing doubled, nothing dropped, words in order. The kept words are
// then placed once more on the whole line's ink (place_words), as a line read whole places its
// words, so that their boxes never overlap where two windows split a segment differently.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "image/word_boxes.h"
#include "pipeline/placed_words.h"
#include "pipeline/recognizer.h"

namespace mlxocr {

// See the rule above.
inline constexpr double kMinWindowAspect = 8;
inline constexpr double kWindowThresholdFactor = 1.0;
// A character's advance (spaces included) as a fraction of the line's ink height (ascenders to
// descenders): about 0.55 in book fonts, more in a line without descenders; taken low, so that
// characters are over-counted rather than cut off by the token budget.
inline constexpr double kCharAdvance = 0.45;

struct WindowRule {
  double window_aspect = 12;  // a window is at most this many times the crop's height wide
  double threshold = 12;      // crops wider than this many times their height are windowed
  int max_chars = 60;         // estimated characters one reading may hold
};

// The rule for a model reading `model_width` x `model_height` inputs and emitting at most
// `max_new_tokens` tokens; `window_aspect` > 0 overrides W (tests force windows with it).
WindowRule window_rule(int model_width, int model_height, int max_new_tokens,
                       double window_aspect = 0);

struct WindowPlan {
  std::vector<InkSpan> windows;  // crop columns, left to right; empty: read the crop whole
  std::vector<InkSpan> shared;   // shared[k]: the segment windows k and k + 1 both hold
};

// The plan for a crop whose ink is `ink`.
WindowPlan plan_windows(const LineInk& ink, const WindowRule& rule);

// One word of a merged line: its box in crop pixels.
using WindowWord = PlacedWord;

struct MergedLine {
  RecognizedLine line;  // text, confidence and words (WordConfidence) of the kept words
  std::vector<WindowWord> words;
};

// Merges `readings[k]`, window k's reading of the crop whose ink is `ink` under `plan`. The
// line's confidence is the geometric mean of its words' confidences, each weighted by its
// characters and a space; with no words, the lowest window confidence. `finished` only when
// every window finished.
MergedLine merge_windows(const LineInk& ink, const WindowPlan& plan,
                         const std::vector<RecognizedLine>& readings);

}  // namespace mlxocr
