#!/usr/bin/env python3
"""Long printed text lines (a page's lines, not a form's fields) for measuring how mlxocr reads
lines longer than the bundled model's input: bench/LONG_LINES.md and the test fixture
tests/fixtures/long_lines/. Text: tools/synth's field texts (names, addresses, dates, amounts,
words in English, French and German) joined with ", " until the line is MIN..MAX characters
long. Fonts: tools/synth's printed fonts held out of the bundled model's training (--split
test: C059 roman and italic, Nimbus Sans regular and bold, DejaVu Serif Condensed Italic).
Each line is drawn black on white at --size px, cut with a margin of 0.3 (above, below) and 0.5
(left, right) times the size, as a page's line crop is. --degrade adds a light scan: paper
230-250, Gaussian blur 0.5-1.0 px, grey noise of sigma 3-8. Writes OUTPUT/images/NNNN.png and
OUTPUT/metadata.csv (file_name,text,font), the dataset layout of docs/data.md. The same seed
gives the same lines (Pillow and font files equal).

    tools/synth/.venv/bin/python tools/long_lines/make_long_lines.py --output /tmp/long \\
        --count 100 --seed 7 [--degrade]
"""
import argparse
import csv
import pathlib
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "synth"))
import synth  # noqa: E402  (tools/synth: texts and the font split)


def line_text(rng, fonts, shortest, longest):
    """Field texts joined until the line holds shortest..longest characters; one font that
    draws every character of it."""
    while True:
        target = rng.randint(shortest, longest)
        pieces = []
        while len(", ".join(pieces)) < target:
            pieces.append(synth.field_text(rng, labels=False)[1])
        if len(", ".join(pieces)) > longest:
            pieces.pop()  # whole pieces only: no word cut in two
        text = ", ".join(pieces)
        if len(text) < shortest:
            continue
        candidates = [f for f in fonts if f.covers(text)]
        if candidates:
            return text, rng.choice(candidates)


def render(font, text, size):
    face = font.at(size)
    left, top, right, bottom = face.getbbox(text)
    pad_x, pad_y = round(0.5 * size), round(0.3 * size)
    image = Image.new("L", (right - left + 2 * pad_x, bottom - top + 2 * pad_y), 255)
    ImageDraw.Draw(image).text((pad_x - left, pad_y - top), text, font=face, fill=0)
    return image


def degrade(rng, image):
    """A light scan; `rng` is the line's own, so that --degrade draws the same texts."""
    paper = rng.randint(230, 250)
    pixels = np.asarray(image, dtype=np.float32) * (paper / 255.0)
    image = Image.fromarray(pixels.astype(np.uint8), "L")
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0)))
    nprng = np.random.default_rng(rng.getrandbits(63))
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels + nprng.normal(0.0, rng.uniform(3, 8), pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--min-chars", type=int, default=50)
    parser.add_argument("--max-chars", type=int, default=110)
    parser.add_argument("--size", type=int, default=32, help="font size in pixels")
    parser.add_argument("--degrade", action="store_true", help="a light scan (see above)")
    parser.add_argument("--font", help="only this held-out font (file name, e.g. C059-Roman.otf)")
    parser.add_argument("--text", action="append",
                        help="draw this text (repeatable; --count is then ignored)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    fonts = [synth.Font(path, style, split) for path, style, split in synth.FONTS
             if split == "test" and style == "printed"
             and (args.font is None or pathlib.Path(path).name == args.font)]
    if not fonts:
        sys.exit(f"make_long_lines.py: no held-out printed font named {args.font}")
    out = pathlib.Path(args.output)
    (out / "images").mkdir(parents=True, exist_ok=True)
    with open(out / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["file_name", "text", "font"])
        for i in range(len(args.text) if args.text else args.count):
            if args.text:
                text, font = args.text[i], rng.choice(fonts)
            else:
                text, font = line_text(rng, fonts, args.min_chars, args.max_chars)
            image = render(font, text, args.size)
            if args.degrade:
                image = degrade(random.Random(args.seed * 100003 + i), image)
            name = f"images/{i:04d}.png"
            image.save(out / name, optimize=True)
            writer.writerow([name, text, pathlib.Path(font.path).name])


if __name__ == "__main__":
    main()
