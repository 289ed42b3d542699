"""Metrics of the real-scan benchmarks (bench/real_lines.py, bench/real_pages.py).

Text: NFC, typographic quotes, apostrophes and dashes folded to ASCII (the UNLV ground truth
writes " ' - where the print has curly quotes and dashes), whitespace runs made one space and the
ends stripped. CER: Levenshtein distance over code points, summed over lines and divided by the
summed reference lengths. Boxes are (x0, y0, x1, y1), x1/y1 exclusive.

Pure Python 3, no dependencies: tests/bench/test_real_metrics.py checks it on hand-made cases.
"""
import unicodedata

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                       "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
                       "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00ad": "-"})


def normalize(text):
    return " ".join(unicodedata.normalize("NFC", text).translate(_FOLD).split())


def levenshtein(a, b):
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(pairs, ignore_spaces=False):
    """(errors, reference length, CER) over (prediction, reference) pairs; CER None when empty."""
    errors = length = 0
    for prediction, reference in pairs:
        p, r = normalize(prediction), normalize(reference)
        if ignore_spaces:
            p, r = p.replace(" ", ""), r.replace(" ", "")
        errors += levenshtein(p, r)
        length += len(r)
    return errors, length, (errors / length if length else None)


def area(box):
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def intersection(a, b):
    return area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def iou(a, b):
    inter = intersection(a, b)
    union = area(a) + area(b) - inter
    return inter / union if union else 0.0


def match_lines(truth, detected, threshold=0.5):
    """One-to-one matches (truth index, detected index, IoU) with IoU >= threshold, taken greedily
    best pair first, sorted by detected index."""
    pairs = sorted(((iou(t, d), ti, di) for ti, t in enumerate(truth)
                    for di, d in enumerate(detected)), reverse=True)
    used_t, used_d, matches = set(), set(), []
    for value, ti, di in pairs:
        if value < threshold:
            break
        if ti not in used_t and di not in used_d:
            used_t.add(ti)
            used_d.add(di)
            matches.append((ti, di, value))
    return sorted(matches, key=lambda m: m[1])


def inverted_pairs(sequence):
    """Pairs i < j with sequence[i] > sequence[j]: the Kendall tau distance to sorted order."""
    return sum(1 for i in range(len(sequence)) for j in range(i + 1, len(sequence))
               if sequence[i] > sequence[j])


def order_errors(matches, truth_order):
    """(inverted pairs, pairs) among matched lines: detected order against the truth's order."""
    sequence = [truth_order[ti] for ti, di, _ in sorted(matches, key=lambda m: m[1])]
    n = len(sequence)
    return inverted_pairs(sequence), n * (n - 1) // 2


def x_disjoint(a, b):
    return a[2] <= b[0] or b[2] <= a[0]


def spans_columns(detected, truth, covered=0.5):
    """True when the detected box covers (>= `covered` of their area) two truth lines that sit
    side by side (their x ranges do not overlap): one "line" across two columns."""
    hits = [t for t in truth if area(t) and intersection(detected, t) >= covered * area(t)]
    return any(x_disjoint(a, b) for i, a in enumerate(hits) for b in hits[i + 1:])


def spans_zones(detected, zones, share=0.15):
    """True when at least `share` of the detected box lies in each of two side-by-side zones."""
    a = area(detected)
    hits = [z for z in zones if a and intersection(detected, z) >= share * a]
    return any(x_disjoint(p, q) for i, p in enumerate(hits) for q in hits[i + 1:])


def outside_zones(detected, zones, share=0.5):
    """True when less than `share` of the detected box lies inside the zones together (zones of
    a page do not overlap, so their intersections add up)."""
    a = area(detected)
    return bool(a) and sum(intersection(detected, z) for z in zones) < share * a


def in_annotated_area(detected, truth, regions, share=0.5):
    """True when the detected box covers half or more of a truth line, or lies half or more in
    the annotated regions: pages whose ground truth covers only part of the page (marginal notes,
    a column left out) are judged only where they were annotated."""
    if any(area(t) and intersection(detected, t) >= share * area(t) for t in truth):
        return True
    a = area(detected)
    return bool(a) and sum(intersection(detected, r) for r in regions) >= share * a


def words(text):
    """Words of a text for word recall: split at spaces, punctuation stripped at both ends."""
    out = []
    for w in normalize(text).split(" "):
        w = w.strip(".,;:!?\"'()[]{}<>-*")
        if w:
            out.append(w)
    return out


def word_recall(prediction, reference):
    """(found, total): reference words found in the prediction, counted as multisets."""
    remaining = {}
    for w in words(prediction):
        remaining[w] = remaining.get(w, 0) + 1
    found = 0
    reference_words = words(reference)
    for w in reference_words:
        if remaining.get(w, 0):
            remaining[w] -= 1
            found += 1
    return found, len(reference_words)
