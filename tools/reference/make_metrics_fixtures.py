#!/usr/bin/env python3
"""Makes tests/fixtures/reference/metrics.json: CER / WER / exact match computed independently of
mlxocr, to check src/eval/metrics.cpp against.

Lines: real English text found on this machine (the licence texts of /usr/share/common-licenses,
which every Debian system has), plus a few hand-written form-field lines with accents and
symbols. Each line becomes a reference; its prediction is the line put through seeded random
"OCR errors": characters substituted, dropped, inserted or doubled, accents lost or confused, case
flipped, words dropped, merged or split, white space changed (tabs, runs, no-break and ideographic
spaces, leading / trailing), sometimes an empty prediction, and some lines left exact.

The metric definition (docs/data.md): both texts normalised as " ".join(text.split()) -- Python's
str.split() splits on str.isspace() characters, and mlxocr claims to do exactly that -- then
Levenshtein distance over code points (CER) and over the words (WER), summed over the corpus and
divided by the summed reference lengths; exact match = normalised texts equal.

The Levenshtein here is the textbook full-matrix dynamic programme, written separately from the C++
(which keeps two rows). Standard library only; any Python 3 runs it:

    python3 tools/reference/make_metrics_fixtures.py
"""
import glob
import json
import pathlib
import platform
import random

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "reference" / "metrics.json"
SEED = 20240607
LINE_COUNT = 300

FORM_LINES = [
    "Zoë Müller-Lüdenscheidt", "12, rue de l'Église, 75004 Paris", "Date : 03/11/2021",
    "Montant : 1 234,56 €", "N° client : FR-2291-ÄÖ", "josé.garcía@correo.es",
    "+33 (0)1 42 68 53 00", "Straße 5 · 80331 München", "Total  due:\t$4,310.00",
    "Smørrebrød & Crème brûlée", "ÉCOLE NORMALE SUPÉRIEURE", "naïve café — déjà vu",
]
CONFUSIONS = {"e": "éè", "a": "àâ", "o": "ô0", "l": "1I", "0": "oO", "1": "l7", "5": "S",
              "é": "eè", "ü": "uü", "c": "ç", "rn": "m", ",": ".", ".": ","}
SPACES = [" ", "  ", "\t", "\u00a0", "\u3000", " \u2009"]


def normalize(text):
    return " ".join(text.split())


def levenshtein(a, b):
    rows, cols = len(a) + 1, len(b) + 1
    d = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        d[i][0] = i
    for j in range(cols):
        d[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
    return d[rows - 1][cols - 1]


def real_lines(rng):
    lines = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        try:
            text = pathlib.Path(path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        lines += [line.strip() for line in text.splitlines() if 10 <= len(line.strip()) <= 90]
    rng.shuffle(lines)
    return lines[: LINE_COUNT - len(FORM_LINES)] + FORM_LINES


def corrupt_chars(text, rng, errors):
    chars = list(text)
    for _ in range(errors):
        if not chars:
            chars.append(rng.choice("abc"))
            continue
        i = rng.randrange(len(chars))
        kind = rng.random()
        if kind < 0.3 and chars[i].lower() in CONFUSIONS:
            chars[i] = rng.choice(CONFUSIONS[chars[i].lower()])
        elif kind < 0.5:
            del chars[i]
        elif kind < 0.65:
            chars.insert(i, rng.choice("aeiouxyz.,'-éü€"))
        elif kind < 0.75:
            chars.insert(i, chars[i])
        elif kind < 0.85:
            chars[i] = chars[i].swapcase()
        else:
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
    return "".join(chars)


def corrupt_words(text, rng):
    words = text.split(" ")
    if len(words) > 2 and rng.random() < 0.4:
        del words[rng.randrange(len(words))]
    if len(words) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(words) - 1)
        words[i:i + 2] = [words[i] + words[i + 1]]
    return rng.choice(SPACES).join(words) if rng.random() < 0.3 else " ".join(words)


def predict(reference, rng):
    roll = rng.random()
    if roll < 0.15:
        return reference
    if roll < 0.2:
        return rng.choice(SPACES) + reference + rng.choice(SPACES)  # exact after normalisation
    if roll < 0.23:
        return ""
    text = corrupt_words(reference, rng) if rng.random() < 0.5 else reference
    return corrupt_chars(text, rng, rng.randint(0, 6))


def main():
    rng = random.Random(SEED)
    records, totals = [], dict(char_errors=0, reference_chars=0, word_errors=0, reference_words=0)
    exact = 0
    for reference in real_lines(rng):
        prediction = predict(reference, rng)
        p, r = normalize(prediction), normalize(reference)
        record = dict(prediction=prediction, reference=reference,
                      char_errors=levenshtein(p, r), reference_chars=len(r),
                      word_errors=levenshtein(p.split(" ") if p else [], r.split(" ") if r else []),
                      reference_words=len(r.split()))
        for key in totals:
            totals[key] += record[key]
        exact += p == r
        records.append(record)
    fixture = dict(
        generator="tools/reference/make_metrics_fixtures.py", python=platform.python_version(),
        seed=SEED, normalisation='" ".join(text.split()); characters are code points',
        cer=totals["char_errors"] / totals["reference_chars"],
        wer=totals["word_errors"] / totals["reference_words"],
        exact_match=exact / len(records), **totals, lines=records)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(f"{OUT}: {len(records)} lines, CER {fixture['cer']:.4f}, WER {fixture['wer']:.4f}, "
          f"exact {fixture['exact_match']:.3f}")


if __name__ == "__main__":
    main()
