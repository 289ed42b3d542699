#!/usr/bin/env python3
"""The real-scan benchmarks' metrics (bench/real_metrics.py) on hand-made cases.

    python3 tests/bench/test_real_metrics.py

Python 3 only (unittest); registered with ctest as RealMetrics.Python. Every expectation is
worked out by hand from the definitions, not taken from the code's output.
"""
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))
import real_metrics as m  # noqa: E402


class TextTest(unittest.TestCase):
    def test_normalize_folds_quotes_dashes_and_spaces(self):
        self.assertEqual(m.normalize("  \u201cIt\u2019s\u201d \u2014 fine\t\n ok "),
                         "\"It's\" - fine ok")

    def test_normalize_composes_accents(self):
        self.assertEqual(m.normalize("caf" + "e\u0301"), "caf\u00e9")

    def test_levenshtein(self):
        self.assertEqual(m.levenshtein("kitten", "sitting"), 3)
        self.assertEqual(m.levenshtein("", "abc"), 3)
        self.assertEqual(m.levenshtein("abc", "abc"), 0)
        self.assertEqual(m.levenshtein("ab", "ba"), 2)

    def test_cer_sums_errors_over_lines(self):
        # "helo" vs "hello": 1 error of 5; "wrld" vs "world": 1 of 5 -> 2 / 10.
        self.assertEqual(m.cer([("helo", "hello"), ("wrld", "world")]), (2, 10, 0.2))

    def test_cer_ignoring_spaces(self):
        self.assertEqual(m.cer([("ab cd", "abcd")]), (1, 4, 0.25))
        self.assertEqual(m.cer([("ab cd", "abcd")], ignore_spaces=True), (0, 4, 0.0))

    def test_cer_of_nothing_is_none(self):
        self.assertEqual(m.cer([]), (0, 0, None))

    def test_word_recall_counts_multisets_and_strips_punctuation(self):
        # Reference words: the, cat, the, hat -> found: "the" once, "cat" -> 2 of 4.
        self.assertEqual(m.word_recall("cat, the dog", "The cat (the) hat."), (2, 4))
        self.assertEqual(m.word_recall("the cat the hat", "the cat the hat"), (4, 4))


class BoxTest(unittest.TestCase):
    def test_iou(self):
        self.assertEqual(m.iou((0, 0, 10, 10), (0, 0, 10, 10)), 1.0)
        self.assertEqual(m.iou((0, 0, 10, 10), (10, 0, 20, 10)), 0.0)
        # Overlap 5x10 = 50, union 100 + 100 - 50 = 150.
        self.assertAlmostEqual(m.iou((0, 0, 10, 10), (5, 0, 15, 10)), 50 / 150)

    def test_match_lines_is_one_to_one_at_half_iou(self):
        truth = [(0, 0, 100, 10), (0, 20, 100, 30), (0, 40, 100, 50)]
        detected = [(0, 20, 100, 30), (0, 0, 100, 10), (0, 0, 100, 11), (0, 40, 30, 50)]
        # detected 2 also overlaps truth 0 (IoU 10/11) but truth 0 is taken by the exact box;
        # detected 3 covers 30 % of truth 2: IoU 0.3 < 0.5, no match.
        self.assertEqual([(t, d) for t, d, _ in m.match_lines(truth, detected)], [(1, 0), (0, 1)])

    def test_match_lines_threshold_is_inclusive(self):
        # Overlap 50x10 = 500, union 1000 + 500 - 500 = 1000: IoU exactly 0.5.
        self.assertEqual(len(m.match_lines([(0, 0, 100, 10)], [(0, 0, 50, 10)])), 1)

    def test_inverted_pairs(self):
        self.assertEqual(m.inverted_pairs([0, 1, 2, 3]), 0)
        self.assertEqual(m.inverted_pairs([3, 2, 1, 0]), 6)
        self.assertEqual(m.inverted_pairs([1, 0, 2, 3]), 1)

    def test_order_errors_of_columns_read_across(self):
        # Two columns of two lines; truth order: left column (0, 1), then right (2, 3).
        truth = [(0, 0, 40, 10), (0, 20, 40, 30), (60, 0, 100, 10), (60, 20, 100, 30)]
        # Detected row by row: left top, right top, left bottom, right bottom.
        detected = [truth[0], truth[2], truth[1], truth[3]]
        matches = m.match_lines(truth, detected)
        # Sequence of truth orders in detected order: 0, 2, 1, 3 -> one inverted pair of six.
        self.assertEqual(m.order_errors(matches, [0, 1, 2, 3]), (1, 6))

    def test_spans_columns(self):
        truth = [(0, 0, 40, 10), (60, 0, 100, 10), (0, 20, 40, 30)]
        self.assertTrue(m.spans_columns((0, 0, 100, 10), truth))
        self.assertFalse(m.spans_columns((0, 0, 40, 30), truth))  # two lines of one column
        self.assertFalse(m.spans_columns((0, 0, 70, 10), truth))  # a quarter of the right one

    def test_zones(self):
        zones = [(0, 0, 40, 100), (60, 0, 100, 100)]
        self.assertTrue(m.spans_zones((0, 0, 100, 10), zones))
        self.assertFalse(m.spans_zones((0, 0, 45, 10), zones))
        self.assertFalse(m.outside_zones((0, 0, 40, 10), zones))
        self.assertTrue(m.outside_zones((35, 0, 65, 10), zones))  # 10 of 30 columns inside
        self.assertFalse(m.outside_zones((30, 0, 70, 10), zones))  # exactly half inside
        self.assertTrue(m.outside_zones((40, 0, 60, 10), zones))

    def test_in_annotated_area(self):
        truth = [(0, 0, 40, 10)]
        regions = [(0, 0, 40, 100)]
        self.assertTrue(m.in_annotated_area((0, 0, 100, 10), truth, regions))  # covers a line
        self.assertTrue(m.in_annotated_area((0, 50, 40, 60), truth, regions))  # in the region
        self.assertFalse(m.in_annotated_area((60, 50, 100, 60), truth, regions))  # a margin note
        self.assertFalse(m.in_annotated_area((30, 50, 100, 60), truth, regions))  # 10 of 70 in


if __name__ == "__main__":
    unittest.main()
