#!/usr/bin/env python3
"""Makes tools/synth/words.txt, the free-text vocabulary of synth.py, from Debian's word lists.

Sources (Debian 12 packages; licences in /usr/share/doc/<package>/copyright):
  en  wamerican  /usr/share/dict/american-english  (SCOWL, Kevin Atkinson)
  fr  wfrench    /usr/share/dict/french            (Dicollecte / Grammalecte French dictionary)
  de  wngerman   /usr/share/dict/ngerman           (igerman98, Björn Jacke)

A seeded sample of words of 3 to 12 letters without apostrophes or possessives is kept per
language, so the generator runs the same on machines without these packages:

    apt-get install wamerican wfrench wngerman && python3 tools/synth/make_words.py
"""
import pathlib
import random

HERE = pathlib.Path(__file__).resolve().parent
SOURCES = [("en", "/usr/share/dict/american-english", 6000),
           ("fr", "/usr/share/dict/french", 3000),
           ("de", "/usr/share/dict/ngerman", 3000)]
SEED = 8


def main():
    rng = random.Random(SEED)
    lines = ["# language<TAB>word: seeded samples of Debian's wamerican, wfrench and wngerman "
             "word lists (see make_words.py)"]
    for lang, path, count in SOURCES:
        words = [w.strip() for w in open(path, encoding="utf-8")]
        words = sorted({w for w in words if 3 <= len(w) <= 12 and w.isalpha()})
        for word in sorted(rng.sample(words, count)):
            lines.append(f"{lang}\t{word}")
    (HERE / "words.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"words.txt: {len(lines) - 1} words")


if __name__ == "__main__":
    main()
