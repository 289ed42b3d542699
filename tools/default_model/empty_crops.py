#!/usr/bin/env python3
"""Crops with no text, and how often a model invents text on them (bench/QUALITY.md, "Empty crops").

  generate  OUTPUT/images/NNNNNN.png (8-bit grey) and OUTPUT/crops.csv (file_name,kind), the
            same files for the same --seed: line-crop sized images (32-64 px high, 4-12 times as
            wide) of four kinds, a quarter each:
              blank    paper with scan noise: grey level, uneven light, grain, specks, dust
              picture  a photograph-like region: smooth light and dark blobs and texture
              logo     shapes with no letters: rings, discs, stars, bars, a stamp's double ring
              rules    ruling only: underlines, a box outline, comb ticks, dotted leaders
  measure   reads every crop with `mlxocr recognize` (the model alone: every crop is decoded)
            and `mlxocr ocr` in line mode (the pipeline: crops without ink are not decoded) and
            prints, per kind, the share of crops given a non-empty text with a confidence of
            at least --threshold (0.5): invented text; for the model alone also with the raw
            confidence, exp(mean token_logprobs) (what it was before calibration). --raw reads
            with a copy of the model folder without calibration.json.

Needs numpy and Pillow (tools/synth/.venv). Example:
  PY=tools/synth/.venv/bin/python
  $PY tools/default_model/empty_crops.py generate --output DATA/empty --count 400 --seed 43
  $PY tools/default_model/empty_crops.py measure --data DATA/empty --raw
  $PY tools/default_model/empty_crops.py measure --data DATA/empty
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

KINDS = ["blank", "picture", "logo", "rules"]


def paper(rng, w, h):
    """Paper with uneven light and grain, as float grey levels."""
    level = rng.uniform(185, 250)
    yy, xx = np.mgrid[0:h, 0:w] / max(w, h)
    light = rng.uniform(-15, 15) * xx + rng.uniform(-10, 10) * yy
    grain = rng.normal(0, rng.uniform(1.5, 7), (h, w))
    return level + light + grain


def specks(rng, img, count):
    h, w = img.shape
    for _ in range(count):
        y, x = rng.integers(0, h), rng.integers(0, w)
        r = rng.integers(0, 2)
        img[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1] = rng.uniform(60, 170)
    return img


def blank(rng, w, h):
    return specks(rng, paper(rng, w, h), rng.integers(0, 6))


def picture(rng, w, h):
    img = paper(rng, w, h)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(rng.integers(3, 9)):
        cx, cy = rng.uniform(0, w), rng.uniform(-h / 2, 1.5 * h)
        sx, sy = rng.uniform(0.05, 0.4) * w, rng.uniform(0.2, 1.0) * h
        img -= rng.uniform(-40, 160) * np.exp(-((xx - cx) / sx) ** 2 / 2 - ((yy - cy) / sy) ** 2 / 2)
    noise = Image.fromarray(np.clip(128 + 40 * rng.normal(0, 1, (h, w)), 0, 255).astype(np.uint8), "L")
    texture = (np.asarray(noise.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2))), float) - 128) / 40
    return img + texture * rng.uniform(5, 30)


def logo(rng, w, h):
    im = Image.fromarray(np.clip(paper(rng, w, h), 0, 255).astype(np.uint8), "L")
    d = ImageDraw.Draw(im)
    ink = int(rng.uniform(20, 110))
    x = rng.uniform(0, w * 0.3)
    while x < w - h * 0.5:
        s = rng.uniform(0.5, 0.95) * h
        y0 = (h - s) / 2
        box = [x, y0, x + s, y0 + s]
        shape = rng.integers(0, 5)
        width = int(rng.integers(1, 4))
        if shape == 0:  # a stamp's double ring
            d.ellipse(box, outline=ink, width=width)
            g = s * 0.15
            d.ellipse([box[0] + g, box[1] + g, box[2] - g, box[3] - g], outline=ink, width=width)
        elif shape == 1:
            d.ellipse(box, fill=ink)
        elif shape == 2:  # a star
            cx, cy, r = x + s / 2, h / 2, s / 2
            pts = [(cx + (r if k % 2 == 0 else r / 2.5) * np.cos(np.pi * k / 5 - np.pi / 2),
                    cy + (r if k % 2 == 0 else r / 2.5) * np.sin(np.pi * k / 5 - np.pi / 2)) for k in range(10)]
            d.polygon(pts, fill=ink)
        elif shape == 3:  # bars of a chart
            for k in range(int(rng.integers(3, 7))):
                bh = rng.uniform(0.2, 1) * s
                d.rectangle([x + k * s / 5, y0 + s - bh, x + k * s / 5 + s / 8, y0 + s], fill=ink)
        else:  # a triangle
            d.polygon([(x, y0 + s), (x + s / 2, y0), (x + s, y0 + s)], outline=ink, width=width)
        x += s * rng.uniform(1.2, 3)
    im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1)))
    return np.asarray(im, float) + rng.normal(0, 2, (h, w))


def rules(rng, w, h):
    im = Image.fromarray(np.clip(paper(rng, w, h), 0, 255).astype(np.uint8), "L")
    d = ImageDraw.Draw(im)
    ink = int(rng.uniform(20, 140))
    width = int(rng.integers(1, 3))
    style = rng.integers(0, 4)
    base = int(h * rng.uniform(0.7, 0.92))
    if style == 0:  # an underline
        d.line([(rng.uniform(0, w * 0.2), base), (w - rng.uniform(0, w * 0.2), base)], fill=ink, width=width)
    elif style == 1:  # a box outline
        m = int(rng.integers(1, 5))
        d.rectangle([m, m, w - 1 - m, h - 1 - m], outline=ink, width=width)
    elif style == 2:  # comb: a baseline with ticks
        d.line([(2, base), (w - 3, base)], fill=ink, width=width)
        step = rng.uniform(0.6, 1.2) * h
        x = 2.0
        while x < w:
            d.line([(x, base - h * 0.3), (x, base)], fill=ink, width=width)
            x += step
    else:  # a dotted leader
        step = rng.uniform(4, 9)
        x = rng.uniform(0, 10)
        while x < w - 2:
            d.ellipse([x, base - 1, x + 2, base + 1], fill=ink)
            x += step
    return np.asarray(im, float)


def generate(args):
    out = Path(args.output)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    rows = []
    for i in range(args.count):
        kind = KINDS[i % len(KINDS)]
        h = int(rng.integers(32, 65))
        w = int(h * rng.uniform(4, 12))
        img = globals()[kind](rng, w, h)
        name = f"images/{i:06d}.png"
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "L").save(out / name)
        rows.append((name, kind))
    with open(out / "crops.csv", "w", newline="") as f:
        csv.writer(f).writerows([("file_name", "kind")] + rows)
    print(f"{len(rows)} crops in {out}")


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: some input failed, reported per item
        sys.exit(f"{' '.join(cmd[:3])} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def measure(args):
    data = Path(args.data)
    with open(data / "crops.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    images = [str(data / r["file_name"]) for r in rows]
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if args.raw:
            for name in os.listdir(model):
                if name != "calibration.json":
                    os.symlink(os.path.abspath(os.path.join(model, name)), os.path.join(tmp, name))
            model = tmp
        beams = ["--num-beams", str(args.num_beams)]
        alone = run([args.mlxocr, "recognize", "--model", model, "--format", "json"] + beams + images)
        pages = run([args.mlxocr, "ocr", "-q", "--model", model, "--format", "json"] + beams + images)
    by_source = {}
    for page in pages if isinstance(pages, list) else [pages]:
        field = page["fields"][0] if page.get("fields") else {"text": "", "confidence": 0}
        by_source[os.path.abspath(page["image"])] = field
    report = {}
    raw = [(r["text"], float(np.exp(np.mean(r["token_logprobs"]))) if r["token_logprobs"] else 0.0)
           for r in alone]
    for name, readings in (("model alone, raw confidence exp(mean token_logprobs)", raw),
                           ("model alone (recognize)", [(r["text"], r["confidence"]) for r in alone]),
                           ("pipeline (ocr, line mode)",
                            [(by_source[os.path.abspath(p)]["text"], by_source[os.path.abspath(p)]["confidence"])
                             for p in images])):
        per_kind = {}
        for (text, conf), row in zip(readings, rows):
            k = per_kind.setdefault(row["kind"], [0, 0, 0])
            k[0] += 1
            k[1] += bool(text.strip())
            k[2] += bool(text.strip()) and conf >= args.threshold
        total = [sum(v[i] for v in per_kind.values()) for i in range(3)]
        report[name] = {"per_kind": per_kind, "total": total}
        print(f"{name}{' (raw)' if args.raw else ''}: invented (text, confidence >= {args.threshold}) "
              f"{total[2]} of {total[0]} = {total[2] / total[0]:.1%}; any text {total[1] / total[0]:.1%}")
        for kind, (n, any_text, invented) in per_kind.items():
            print(f"  {kind:8s} {invented:4d} of {n:4d} = {invented / n:6.1%}   any text {any_text / n:6.1%}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--output", required=True)
    g.add_argument("--count", type=int, default=400)
    g.add_argument("--seed", type=int, default=43)
    m = sub.add_parser("measure")
    m.add_argument("--data", required=True)
    m.add_argument("--model", default="models/mlxocr-fields-tiny")
    m.add_argument("--mlxocr", default="build/mlxocr")
    m.add_argument("--num-beams", type=int, default=4)
    m.add_argument("--threshold", type=float, default=0.5)
    m.add_argument("--raw", action="store_true", help="raw confidences (no calibration.json)")
    m.add_argument("--json", help="write the figures here too")
    args = ap.parse_args()
    generate(args) if args.command == "generate" else measure(args)


if __name__ == "__main__":
    main()
