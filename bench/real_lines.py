#!/usr/bin/env python3
"""Real scanned and photographed lines: mlxocr beside Tesseract, CER per kind (issue 28 item 3).

    python3 bench/real_lines.py [--mlxocr build/mlxocr] [--model DIR] [--json FILE]

Reads every line image of bench/real/lines/printed/ and, when bench/real/gather.py has written
them (not committed: bench/real/SOURCES.md says why), bench/real/local/lines/photo/ and, with
gather.py --funsd, bench/real/local/lines/{funsd,handwritten}/ (short form fields; those written
by hand), each with its .gt.txt, by:
  recognize  `mlxocr recognize --num-beams 4 --format json` (no --model: the bundled
             models/mlxocr-fields-tiny; beam 4 as its model card uses; no --min-confidence, so
             the raw text of every line): the crop squeezed whole into the model's input
  ocr        `mlxocr ocr -q --format json` on the same crops (line mode: lines wider than the
             model's input are read in windows cut at word gaps, docs/long_lines.md)
  tesseract  `tesseract IMG - --psm 7 -l eng` (one text line)
CER: bench/real_metrics.py (NFC, quotes and dashes folded, whitespace runs one space); the
"no spaces" columns drop every space first (word splits not counted). Prints markdown tables;
--json keeps every reading (without the ground truth of the uncommitted lines). These sets are for evaluation only: never train on them or choose
checkpoints with them.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from real_metrics import cer  # noqa: E402

REAL = pathlib.Path(__file__).parent / "real"
KINDS = (("printed scan", REAL / "lines/printed"), ("photo", REAL / "local/lines/photo"),
         ("short field (FUNSD)", REAL / "local/lines/funsd"),
         ("hand-printed field (FUNSD)", REAL / "local/lines/handwritten"))


def read_lines():
    rows = []
    for kind, folder in KINDS:
        for image in sorted(folder.glob("*.png")) if folder.is_dir() else []:
            text = image.with_suffix(".gt.txt")
            # Sub-groups: the source (uw3, unlv, photo) or FUNSD's label (answer, question).
            parts = image.stem.split("-")
            rows.append({"kind": kind, "image": str(image),
                         "truth": text.read_text(encoding="utf-8").strip("\n"),
                         "source": parts[-1] if parts[0] == "funsd" else parts[0]})
    return rows


def run_json(command, images, chunk=200):
    """Runs an mlxocr command over the images in chunks; returns {image: text}, seconds."""
    texts, start = {}, time.perf_counter()
    for i in range(0, len(images), chunk):
        out = subprocess.run(command + images[i:i + chunk], check=True, capture_output=True,
                             text=True).stdout
        items = json.loads(out)
        for item in items if isinstance(items, list) else [items]:  # one input: one object
            texts[item["image"]] = item_text(item)
    return texts, time.perf_counter() - start


def item_text(item):
    """recognize gives {"text"}; ocr gives fields (one for a line image), joined by spaces."""
    if "fields" in item:
        return " ".join(f["text"] for f in item["fields"] if f["text"])
    return item["text"]


def read_with_tesseract(images):
    texts, start = {}, time.perf_counter()
    for image in images:
        done = subprocess.run(["tesseract", image, "-", "--psm", "7", "-l", "eng"],
                              capture_output=True, text=True)
        texts[image] = done.stdout.strip() if done.returncode == 0 else ""
    return texts, time.perf_counter() - start


def table(rows, systems):
    groups = {}
    for row in rows:
        for group in ("all", row["kind"], f'{row["kind"]}: {row["source"]}'):
            groups.setdefault(group, []).append(row)
    names = list(systems)
    print("| lines | count | characters | " + " | ".join(f"{n}" for n in names) + " | " +
          " | ".join(f"{n}, no spaces" for n in names) + " |")
    print("|---|---:|---:|" + "---:|" * (2 * len(names)))
    for group, members in groups.items():
        cells = []
        for ignore in (False, True):
            for name in names:
                _, _, value = cer([(r[name], r["truth"]) for r in members], ignore)
                cells.append(f"{100 * value:.1f} %" if value is not None else "–")
        _, length, _ = cer([("", r["truth"]) for r in members])
        print(f"| {group} | {len(members)} | {length} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlxocr", default="build/mlxocr")
    parser.add_argument("--model", help="default: the bundled model")
    parser.add_argument("--json", type=pathlib.Path, help="write every reading here")
    args = parser.parse_args()
    rows = read_lines()
    if not rows:
        sys.exit(f"no line images under {REAL}/lines: run bench/real/gather.py")
    images = [r["image"] for r in rows]
    model = ["--model", args.model] if args.model else []
    readings = {
        "recognize": run_json([args.mlxocr, "recognize", "--num-beams", "4", "--format", "json",
                               "--batch-size", "16"] + model, images),
        "ocr": run_json([args.mlxocr, "ocr", "-q", "--format", "json", "--no-images"] + model,
                        images),
        "tesseract": read_with_tesseract(images),
    }
    for name, (texts, _) in readings.items():
        for row in rows:
            row[name] = texts.get(row["image"], "")
    table(rows, readings)
    print()
    for name, (_, seconds) in readings.items():
        print(f"- {name}: {seconds:.1f} s for {len(rows)} lines")
    if args.json:
        for row in rows:
            row["image"] = row["image"].split("bench/real/")[-1]
            if row["image"].startswith("local/"):
                del row["truth"]  # the uncommitted sets' ground truth stays out of git too
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")


if __name__ == "__main__":
    main()
