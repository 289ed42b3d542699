#!/usr/bin/env python3
"""Reading quality on held-out lines: mlxocr (a model) beside Tesseract, CER per style.

    python3 bench/quality.py --data DATA/synth-test/metadata.csv [--model DIR] [--limit N]
        [--tesseract] [--json FILE] [--mlxocr build/mlxocr]

DATA is a CSV the synthetic generator wrote (tools/synth/synth.py --split test: fonts never seen
in training), with the columns file_name,text,font,style,kind. Every line is read by
`mlxocr recognize` (greedy, the model's own settings; no --model = the bundled default) and,
with --tesseract, by Debian's `tesseract` (English, --psm 7: "treat the image as a single text
line", the fair setting for field crops). CER is the metric of `mlxocr eval` (docs/data.md):
both texts normalised as " ".join(text.split()), Levenshtein distance over code points summed
over the lines and divided by the summed reference lengths. Prints a markdown table (overall,
printed, handwriting-style, and per field kind) and writes every prediction to --json.

Needs only Python 3 and, for --tesseract, the tesseract-ocr and tesseract-ocr-eng packages.
"""
import argparse
import csv
import json
import pathlib
import subprocess
import sys
import time
from collections import defaultdict

from real_metrics import levenshtein  # bench/, beside this script


def normalize(text):
    return " ".join(text.split())


def read_rows(path, limit):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    base = pathlib.Path(path).parent
    for row in rows:
        row["path"] = str(base / row["file_name"])
    return rows[:limit] if limit else rows


def read_with_mlxocr(rows, args):
    command = [args.mlxocr, "recognize", "--format", "json", "--batch-size", "16"]
    if args.model:
        command += ["--model", args.model]
    start = time.perf_counter()
    out = subprocess.run(command + [r["path"] for r in rows], check=True, capture_output=True,
                         text=True).stdout
    seconds = time.perf_counter() - start
    by_image = {item["image"]: item["text"] for item in json.loads(out)}
    return [by_image[r["path"]] for r in rows], seconds


def read_with_tesseract(rows):
    texts = []
    start = time.perf_counter()
    for r in rows:
        done = subprocess.run(["tesseract", r["path"], "stdout", "--psm", "7", "-l", "eng"],
                              capture_output=True, text=True)
        texts.append(done.stdout.strip() if done.returncode == 0 else "")
    return texts, time.perf_counter() - start


def cer_table(rows, predictions):
    """CER per group: all, each style, each kind."""
    errors, lengths = defaultdict(int), defaultdict(int)
    for row, prediction in zip(rows, predictions):
        reference = normalize(row["text"])
        distance = levenshtein(normalize(prediction), reference)
        for group in ("all", row.get("style", "?"), "kind:" + row.get("kind", "?")):
            errors[group] += distance
            lengths[group] += len(reference)
    return {g: errors[g] / lengths[g] for g in lengths if lengths[g]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="CSV: file_name,text,font,style,kind")
    parser.add_argument("--model", help="model folder (default: mlxocr's bundled model)")
    parser.add_argument("--mlxocr", default="build/mlxocr")
    parser.add_argument("--limit", type=int, default=0, help="first N lines only")
    parser.add_argument("--tesseract", action="store_true", help="also read with Tesseract")
    parser.add_argument("--json", help="write predictions and CERs here")
    args = parser.parse_args()

    rows = read_rows(args.data, args.limit)
    systems = {"mlxocr": read_with_mlxocr(rows, args)}
    if args.tesseract:
        systems["tesseract"] = read_with_tesseract(rows)
    tables = {name: cer_table(rows, texts) for name, (texts, _) in systems.items()}

    groups = ["all", "printed", "handwriting"] + sorted(g for g in tables["mlxocr"]
                                                         if g.startswith("kind:"))
    counts = defaultdict(int)
    for row in rows:
        counts[row.get("style")] += 1
        counts["kind:" + row.get("kind", "?")] += 1
    counts["all"] = len(rows)
    print("| lines | count | " + " | ".join(f"{name} CER" for name in systems) + " |")
    print("|---|---:|" + "---:|" * len(systems))
    for g in groups:
        cells = " | ".join(f"{100 * tables[n].get(g, float('nan')):.2f} %" for n in systems)
        print(f"| {g.replace('kind:', 'kind ')} | {counts[g]} | {cells} |")
    for name, (_, seconds) in systems.items():
        print(f"{name}: {seconds:.1f} s for {len(rows)} lines", file=sys.stderr)
    if args.json:
        record = {"data": args.data, "model": args.model or "bundled default", "lines": len(rows),
                  "cer": tables,
                  "seconds": {n: s for n, (_, s) in systems.items()},
                  "predictions": [{"file_name": r["file_name"], "text": r["text"],
                                   "style": r.get("style"), "kind": r.get("kind"),
                                   **{n: systems[n][0][i] for n in systems}}
                                  for i, r in enumerate(rows)]}
        pathlib.Path(args.json).write_text(json.dumps(record, ensure_ascii=False, indent=1),
                                           encoding="utf-8")


if __name__ == "__main__":
    main()
