#!/usr/bin/env python3
"""The demo's table: each field mlxocr read from a form beside the text the generator wrote there.

    python3 scripts/show_fields.py RESULT.json TRUTH.json

RESULT.json is `mlxocr ocr --format json` output for one form; TRUTH.json the generator's record
of the same form (tools/synth/synth.py --form). Prints field, confidence, text read, and the
truth when it differs; then exact fields and the CER (docs/data.md's definition).
"""
import json
import pathlib
import sys

# The same normalisation and edit distance as bench/quality.py (docs/data.md's CER).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "bench"))
from quality import levenshtein, normalize  # noqa: E402


def main():
    result_path, truth_path = sys.argv[1:3]
    with open(result_path, encoding="utf-8") as f:
        read = {field["index"]: field for field in json.load(f)["fields"]}
    with open(truth_path, encoding="utf-8") as f:
        truth = {field["field"]: field["text"] for field in json.load(f)["fields"]}
    errors = length = exact = 0
    print(f"{'field':>5}  {'conf':>4}  text read")
    for index in sorted(truth):
        field = read.get(index, {"text": "", "confidence": 0.0})
        got, want = normalize(field["text"]), normalize(truth[index])
        distance = levenshtein(got, want)
        errors, length, exact = errors + distance, length + len(want), exact + (distance == 0)
        mark = "" if distance == 0 else f"   <- written: {want}"
        print(f"{index:>5}  {field['confidence']:.2f}  {got}{mark}")
    print(f"\n{exact} of {len(truth)} fields read exactly; character error rate "
          f"{100 * errors / max(length, 1):.1f} % ({errors} edits over {length} characters)")


if __name__ == "__main__":
    main()
