#!/usr/bin/env python3
"""Real pages: line finding, reading order and text of mlxocr beside Tesseract (issue 26).

    python3 bench/real_pages.py [--mlxocr build/mlxocr] [--model DIR] [--json FILE]

Every page of bench/real/pages/ and, when gather.py has written them, bench/real/local/pages/
(NAME.json beside its image, written by bench/real/gather.py) is read, one process per page, by:
  mlxocr             `mlxocr ocr --lines -q --format json --no-images PAGE` (Tesseract's layout
                     analysis, the default; the bundled model unless --model)
  mlxocr simple      the same with `--layout simple` (row projection across the page)
  tesseract          `tesseract PAGE - -l eng tsv` (its own layout, --psm 3, and its own reading)
Measures (bench/real_metrics.py), where the page's ground truth allows. On pages with line ground
truth only the annotated area counts: detected lines covering half of a truth line or lying half
in the annotated regions (marginal notes and columns the ground truth leaves out are ignored).
  line recall / precision  pages with line boxes (PAGE XML): a detected line matches a truth
                           line when their boxes' IoU >= 0.5, one to one
  across columns           detected lines covering half or more of two truth lines that sit side
                           by side (PAGE XML pages), or lying 15 % or more in each of two
                           side-by-side zones (UNLV pages, .uzn zones)
  outside zones            UNLV pages: lines read with some text that lie less than half
                           inside the zones (text, caption, header) -- text invented on the
                           pictures or the margins (Tesseract's empty lines not counted)
  order                    inverted pairs among matched lines (detected order against the
                           truth's reading order) / all pairs
  word recall, CER         the page's text (lines joined, whitespace runs one space) against
                           the truth's; words as multisets, punctuation stripped at their ends
  s/page                   wall time of the one process reading the page (model load included)
Evaluation only: never train on these pages or choose checkpoints with them.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import real_metrics as m  # noqa: E402

REAL = pathlib.Path(__file__).parent / "real"


def read_mlxocr(command, image):
    start = time.perf_counter()
    out = subprocess.run(command + [str(image)], check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    lines = []
    pages = json.loads(out)
    for page in pages if isinstance(pages, list) else [pages]:  # one page: one object
        for field in page["fields"]:
            b = field["box"]
            lines.append({"box": [b["x"], b["y"], b["x"] + b["w"], b["y"] + b["h"]],
                          "text": field["text"]})
    return lines, seconds


def read_tesseract(image):
    start = time.perf_counter()
    out = subprocess.run(["tesseract", str(image), "-", "-l", "eng", "tsv"], check=True,
                         capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    lines, index = [], {}
    for row in out.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12:
            continue
        level, key = int(cells[0]), tuple(cells[1:5])
        left, top, width, height = (int(v) for v in cells[6:10])
        if level == 4:
            index[key] = len(lines)
            lines.append({"box": [left, top, left + width, top + height], "words": []})
        elif level == 5 and key in index and cells[11].strip():
            lines[index[key]]["words"].append(cells[11].strip())
    return [{"box": l["box"], "text": " ".join(l["words"])} for l in lines], seconds


def measure(truth, lines, seconds):
    truth_boxes = [t["bbox"] for t in truth["lines"]]
    if truth_boxes:  # judged only where the ground truth was annotated
        regions = [r["bbox"] for r in truth["regions"]]
        lines = [l for l in lines if m.in_annotated_area(l["box"], truth_boxes, regions)]
    boxes = [l["box"] for l in lines]
    text = "\n".join(l["text"] for l in lines if l["text"])
    found, total = m.word_recall(text, truth["text"])
    errors, length, _ = m.cer([(text, truth["text"])])
    result = {"detected": len(lines), "seconds": seconds, "words_found": found,
              "words": total, "errors": errors, "length": length}
    if truth_boxes:
        matches = m.match_lines(truth_boxes, boxes)
        inverted, pairs = m.order_errors(matches, [t["order"] for t in truth["lines"]])
        result.update(truth_lines=len(truth_boxes), matched=len(matches), inverted=inverted,
                      detected_on_truth_pages=len(boxes),
                      pairs=pairs,
                      across=sum(m.spans_columns(b, truth_boxes) for b in boxes))
    elif truth["regions"]:
        zones = [z["bbox"] for z in truth["regions"]]
        result.update(across=sum(m.spans_zones(b, zones) for b in boxes),
                      outside=sum(m.outside_zones(l["box"], zones) for l in lines
                                  if l["text"].strip()))
    return result


def percent(a, b):
    return f"{100 * a / b:.1f} %" if b else "–"


def row(page, system, r):
    recall = percent(r["matched"], r["truth_lines"]) if "truth_lines" in r else "–"
    precision = percent(r["matched"], r["detected_on_truth_pages"]) if "truth_lines" in r else "–"
    order = f'{r["inverted"]} / {r["pairs"]}' if "pairs" in r else "–"
    truth_lines = r.get("truth_lines", "–")
    return (f'| {page} | {system} | {truth_lines} | {r["detected"]} | {recall} | {precision} | '
            f'{r.get("across", "–")} | {r.get("outside", "–")} | {order} | '
            f'{percent(r["words_found"], r["words"])} | {percent(r["errors"], r["length"])} | '
            f'{r["seconds"]:.1f} |')


def totals(results):
    keys = ("detected", "detected_on_truth_pages", "truth_lines", "matched", "inverted", "pairs", "across", "outside",
            "words_found", "words", "errors", "length", "seconds")
    total = {}
    for r in results:
        for k in keys:
            if k in r:
                total[k] = total.get(k, 0) + r[k]
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlxocr", default="build/mlxocr")
    parser.add_argument("--model", help="default: the bundled model")
    parser.add_argument("--json", type=pathlib.Path, help="write every page's lines here")
    parser.add_argument("--reuse", type=pathlib.Path,
                        help="measure the readings of an earlier --json instead of reading again")
    args = parser.parse_args()
    earlier = {}
    if args.reuse:
        for e in json.loads(args.reuse.read_text(encoding="utf-8")):
            earlier[(e["page"], e["system"])] = (e["lines"], e["result"]["seconds"])
    model = ["--model", args.model] if args.model else []
    base = [args.mlxocr, "ocr", "--lines", "-q", "--format", "json", "--no-images"] + model
    systems = {"mlxocr": lambda image: read_mlxocr(base, image),
               "mlxocr simple": lambda image: read_mlxocr(base + ["--layout", "simple"], image),
               "tesseract": read_tesseract}
    print("| page | system | truth lines | detected | line recall | line precision | "
          "across columns | text outside zones | order: inverted / pairs | word recall | CER | s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    results, everything = {name: [] for name in systems}, []
    truth_files = sorted(REAL.glob("pages/*.json")) + sorted(REAL.glob("local/pages/*.json"))
    for truth_file in truth_files:
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        for name, read in systems.items():
            if args.reuse:
                lines, seconds = earlier[(truth_file.stem, name)]
            else:
                lines, seconds = read(truth_file.parent / truth["image"])
            r = measure(truth, lines, seconds)
            results[name].append(r)
            everything.append({"page": truth_file.stem, "system": name, "result": r,
                               "lines": lines})
            print(row(truth_file.stem, name, r), flush=True)
    for name, rs in results.items():
        total = totals(rs)
        total["seconds"] /= len(rs)
        print(row("**all pages** (s: mean)", name, total))
    if args.json:
        args.json.write_text(json.dumps(everything, ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")


if __name__ == "__main__":
    main()
