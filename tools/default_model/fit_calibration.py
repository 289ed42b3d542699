#!/usr/bin/env python3
"""Fits the calibration stored with a model (calibration.json, read by src/pipeline/calibration.h).

Reads synthetic lines (tools/synth datasets: a folder with metadata.csv) with `mlxocr recognize`
on a copy of the model folder without calibration.json (so the confidences are raw), splits the
lines in two by index (even rows fit, odd rows are held out), fits three candidate maps of the
raw line confidence on the fitting half and measures each on the held-out half:

  temperature  exp(m / T)                      one parameter
  platt        sigmoid(a*m + b)                logistic regression on the mean log-prob m
  platt-len    sigmoid(a*m + b + c*ln(n))      the same with the token count n

and keeps the one with the lowest held-out negative log-likelihood (a proper score: ECE alone
rewards a map that says the same number to every line). Word confidences get a map of the same
method fitted on words (a word is exact when it lies in a run of words common to the reading and
the truth, difflib), without the length term (the JSON's words have no token counts).

ECE is the expected calibration error over 15 equal-width bins: sum over bins of
(lines in bin / lines) * |exact share - mean confidence|. The reliability plot (PNG) shows, per
bin, the share of exact lines against the mean confidence, before and after, on the held-out half.

Needs numpy and Pillow (tools/synth/.venv has both). Example (tools/default_model/README.md):
  tools/synth/.venv/bin/python tools/default_model/fit_calibration.py \
      --data DATA/calib-a --data DATA/calib-b --model models/mlxocr-fields-tiny \
      --output models/mlxocr-fields-tiny/calibration.json --plot bench/calibration.png
"""
import argparse
import csv
import difflib
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

BINS = 15


def read_dataset(folder):
    with open(Path(folder) / "metadata.csv", newline="", encoding="utf-8") as f:
        return [(str(Path(folder) / r["file_name"]), r["text"], r.get("style", "")) for r in csv.DictReader(f)]


def raw_model_copy(model, into):
    """A folder of links to every file of `model` but calibration.json: raw confidences."""
    for name in os.listdir(model):
        if name != "calibration.json":
            os.symlink(os.path.abspath(os.path.join(model, name)), os.path.join(into, name))
    return into


def recognize(mlxocr, model, images, num_beams, batch_size, chunk=400):
    out = []
    for start in range(0, len(images), chunk):
        cmd = [mlxocr, "recognize", "--model", model, "--format", "json", "--num-beams", str(num_beams),
               "--batch-size", str(batch_size)] + images[start:start + chunk]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"mlxocr recognize failed ({run.returncode}): {run.stderr.strip()}")
        out += json.loads(run.stdout)
        print(f"  read {len(out)} of {len(images)}", file=sys.stderr)
    return out


def exact_words(reading, truth):
    """For each word of `reading`: 1 when it lies in a block of words it shares with `truth`."""
    got, want = reading.split(), truth.split()
    flags = [0] * len(got)
    for block in difflib.SequenceMatcher(a=got, b=want, autojunk=False).get_matching_blocks():
        for i in range(block.a, block.a + block.size):
            flags[i] = 1
    return flags


def ece(conf, exact, bins=BINS):
    conf, exact = np.asarray(conf, float), np.asarray(exact, float)
    which = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            total += sel.sum() / len(conf) * abs(exact[sel].mean() - conf[sel].mean())
    return total


def nll(p, y):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def fit_logistic(features, y, iterations=100, ridge=1e-6):
    """Logistic regression by Newton's method; features without the intercept column."""
    x = np.column_stack([features, np.ones(len(y))])
    w = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = sigmoid(x @ w)
        grad = x.T @ (p - y) + ridge * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + ridge * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w


def fit_temperature(m, y):
    """T minimising the NLL of exp(m / T), by golden-section search on log T."""
    lo, hi = math.log(0.05), math.log(50)
    g = (math.sqrt(5) - 1) / 2
    f = lambda lt: nll(np.exp(m / math.exp(lt)), y)
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    for _ in range(100):
        if f(a) < f(b):
            hi = b
        else:
            lo = a
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    return math.exp((lo + hi) / 2)


class Candidate:
    def __init__(self, name, method, params, predict):
        self.name, self.method, self.params, self.predict = name, method, params, predict


def candidates(m, n, y):
    t = fit_temperature(m, y)
    a, b = fit_logistic(m[:, None], y)
    a2, c2, b2 = fit_logistic(np.column_stack([m, np.log(n)]), y)
    return [
        Candidate("temperature", "temperature", {"temperature": t}, lambda m, n: np.exp(m / t)),
        Candidate("platt", "platt", {"a": a, "b": b}, lambda m, n: sigmoid(a * m + b)),
        Candidate("platt-len", "platt", {"a": a2, "b": b2, "c": c2},
                  lambda m, n: sigmoid(a2 * m + b2 + c2 * np.log(n))),
    ]


def reliability_png(path, before, after, exact, title):
    """Two reliability diagrams side by side (Pillow only): bars = share exact per bin."""
    from PIL import Image, ImageDraw
    size, pad = 360, 50
    img = Image.new("RGB", (2 * (size + 2 * pad), size + 2 * pad + 20), "white")
    d = ImageDraw.Draw(img)
    d.text((pad, 5), title, fill="black")
    for k, (name, conf) in enumerate((("before (raw)", before), ("after (calibrated)", after))):
        ox, oy = k * (size + 2 * pad) + pad, pad + 10
        conf, y = np.asarray(conf), np.asarray(exact, float)
        which = np.minimum((conf * BINS).astype(int), BINS - 1)
        w = size / BINS
        for b in range(BINS):
            sel = which == b
            if not sel.any():
                continue
            h = y[sel].mean() * size
            d.rectangle([ox + b * w + 1, oy + size - h, ox + (b + 1) * w - 1, oy + size], fill=(90, 130, 200))
            mc = conf[sel].mean() * size  # the bin's mean confidence: where a calibrated bar ends
            d.line([ox + b * w + 1, oy + size - mc, ox + (b + 1) * w - 1, oy + size - mc], fill=(200, 60, 40), width=2)
        d.rectangle([ox, oy, ox + size, oy + size], outline="black")
        d.line([ox, oy + size, ox + size, oy], fill="gray")
        for v in (0, 0.5, 1):
            d.text((ox + v * size - 6, oy + size + 4), f"{v:g}", fill="black")
            d.text((ox - 22, oy + size - v * size - 6), f"{v:g}", fill="black")
        d.text((ox, oy + size + 20), f"{name}: ECE {ece(conf, y):.3f}   x: confidence, y: share exact",
               fill="black")
    img.save(path)


def rounded(params):
    return {k: round(float(v), 6) for k, v in params.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", action="append", required=True, help="synth dataset folder (repeatable)")
    ap.add_argument("--model", default="models/mlxocr-fields-tiny")
    ap.add_argument("--mlxocr", default="build/mlxocr")
    ap.add_argument("--num-beams", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--output", required=True, help="calibration.json to write")
    ap.add_argument("--plot", help="reliability plot PNG (held-out lines, before and after)")
    ap.add_argument("--word-plot", help="the same for words")
    ap.add_argument("--readings", help="cache of the raw readings (JSON): read once, fit often")
    ap.add_argument("--describe", default="", help="what the data is, for the file's fit.data")
    args = ap.parse_args()

    rows = [r for folder in args.data for r in read_dataset(folder)]
    if args.readings and os.path.exists(args.readings):
        readings = json.load(open(args.readings))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            model = raw_model_copy(args.model, tmp)
            readings = recognize(args.mlxocr, model, [r[0] for r in rows], args.num_beams, args.batch_size)
        if args.readings:
            json.dump(readings, open(args.readings, "w"))
    assert len(readings) == len(rows)

    m = np.array([np.mean(r["token_logprobs"]) for r in readings])
    n = np.array([len(r["token_logprobs"]) for r in readings], float)
    y = np.array([float(r["text"] == t) for r, (_, t, _) in zip(readings, rows)])
    raw = np.exp(m)
    fit, held = np.arange(len(y)) % 2 == 0, np.arange(len(y)) % 2 == 1

    print(f"{len(y)} lines, {y.mean():.1%} exact; held-out ECE raw {ece(raw[held], y[held]):.4f}")
    results = []
    for c in candidates(m[fit], n[fit], y[fit]):
        p = c.predict(m[held], n[held])
        results.append((nll(p, y[held]), ece(p, y[held]), c))
        print(f"  {c.name:12s} {rounded(c.params)}  held-out NLL {results[-1][0]:.4f}  ECE {results[-1][1]:.4f}")
    print(f"  raw          held-out NLL {nll(raw[held], y[held]):.4f}")
    best = min(results, key=lambda r: r[0])[2]
    after = best.predict(m[held], n[held])

    # Words: the chosen method, no length term, fitted on the words of the fitting half.
    wm, wy, wheld = [], [], []
    for i, (r, (_, t, _)) in enumerate(zip(readings, rows)):
        for w, ok in zip(r["words"], exact_words(r["text"], t)):
            if w["confidence"] > 0:
                wm.append(math.log(w["confidence"]))
                wy.append(ok)
                wheld.append(i % 2 == 1)
    wm, wy, wheld = np.array(wm), np.array(wy, float), np.array(wheld)
    if best.method == "temperature":
        wt = fit_temperature(wm[~wheld], wy[~wheld])
        word_params, word_after = {"temperature": wt}, np.exp(wm[wheld] / wt)
    else:
        wa, wb = fit_logistic(wm[~wheld][:, None], wy[~wheld])
        word_params, word_after = {"a": wa, "b": wb}, sigmoid(wa * wm[wheld] + wb)
    word_before = np.exp(wm[wheld])

    fit_info = {
        "data": args.describe or ", ".join(args.data),
        "model": os.path.basename(os.path.normpath(args.model)),
        "num_beams": args.num_beams,
        "lines": int(len(y)),
        "lines_fitted": int(fit.sum()),
        "lines_held_out": int(held.sum()),
        "exact_share": round(float(y.mean()), 4),
        "candidates_held_out_nll": {c.name: round(v, 4) for v, _, c in results},
        "chosen": best.name,
        "ece_bins": BINS,
        "ece_before": round(ece(raw[held], y[held]), 4),
        "ece_after": round(ece(after, y[held]), 4),
        "words_held_out": int(wheld.sum()),
        "word_ece_before": round(ece(word_before, wy[wheld]), 4),
        "word_ece_after": round(ece(word_after, wy[wheld]), 4),
        "tool": "tools/default_model/fit_calibration.py",
    }
    out = {"method": best.method, "line": rounded(best.params), "word": rounded(word_params), "fit": fit_info}
    Path(args.output).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    if args.plot:
        reliability_png(args.plot, raw[held], after, y[held], f"Lines: {int(held.sum())} held-out synthetic lines, "
                        f"{args.num_beams} beams, {BINS} bins; {best.name}")
    if args.word_plot:
        reliability_png(args.word_plot, word_before, word_after, wy[wheld],
                        f"Words: {int(wheld.sum())} words of the held-out lines, {BINS} bins")


if __name__ == "__main__":
    main()
