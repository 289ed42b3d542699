#!/usr/bin/env python3
"""CER of long printed lines read whole (--no-windows) and in windows by `mlxocr ocr`, and by
Tesseract (`tesseract IMG - --psm 7`), on datasets made by make_long_lines.py
(bench/LONG_LINES.md). CER as `mlxocr eval` computes it (docs/data.md): whitespace runs become
one space, ends stripped, Levenshtein distance over code points summed over the lines, divided
by the summed reference lengths.

    python3 tools/long_lines/bench_long_lines.py --mlxocr build/mlxocr DATASET [DATASET ...]
"""
import argparse
import csv
import json
import pathlib
import re
import subprocess
import time


def normalise(text):
    return re.sub(r"\s+", " ", text).strip()


def distance(a, b):
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[len(b)]


def cer(truths, reads):
    edits = sum(distance(normalise(t), normalise(r)) for t, r in zip(truths, reads))
    return edits / sum(len(normalise(t)) for t in truths)


def mlxocr_reads(binary, images, extra):
    start = time.time()
    out = subprocess.run([binary, "ocr", "-q", "--format", "json", *extra, *map(str, images)],
                         check=True, capture_output=True, text=True).stdout
    seconds = time.time() - start
    pages = json.loads(out)
    pages = pages if isinstance(pages, list) else [pages]
    by_source = {pathlib.Path(p["image"]).name: p for p in pages}
    reads = []
    for image in images:
        fields = by_source[image.name].get("fields", [])
        reads.append(fields[0]["text"] if fields else "")
    return reads, seconds


def tesseract_reads(images):
    start = time.time()
    reads = [subprocess.run(["tesseract", str(i), "-", "--psm", "7"], check=True,
                            capture_output=True, text=True).stdout for i in images]
    return reads, time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlxocr", default="build/mlxocr")
    parser.add_argument("datasets", nargs="+")
    args = parser.parse_args()
    print("| set | lines | chars (mean) | whole | windowed | Tesseract 5 (psm 7) | "
          "s whole / windowed / Tesseract |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for folder in map(pathlib.Path, args.datasets):
        with open(folder / "metadata.csv", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        images = [folder / r["file_name"] for r in rows]
        truths = [r["text"] for r in rows]
        whole, s_whole = mlxocr_reads(args.mlxocr, images, ["--no-windows"])
        windowed, s_windowed = mlxocr_reads(args.mlxocr, images, [])
        tess, s_tess = tesseract_reads(images)
        mean = sum(len(t) for t in truths) / len(truths)
        print(f"| {folder.name} | {len(rows)} | {mean:.0f} | {100 * cer(truths, whole):.1f} % | "
              f"{100 * cer(truths, windowed):.1f} % | {100 * cer(truths, tess):.1f} % | "
              f"{s_whole:.0f} / {s_windowed:.0f} / {s_tess:.0f} |")


if __name__ == "__main__":
    main()
