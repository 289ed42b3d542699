#!/usr/bin/env python3
"""Reading quality on whole forms: mlxocr's form pipeline against the generator's ground truth.

    python3 bench/form_quality.py --forms DIR [--model M] [--flags=--whole-boxes] [--json OUT]
        [--per-form]

DIR holds form_NNN.png + form_NNN.json as `tools/synth/synth.py --form --split test` writes them
(fonts never seen in training), or as `tools/synth/real_forms.py` does. All forms go through one
`mlxocr ocr --template ... --align` run (--per-form: one run each); the table gives fields read exactly and the CER (bench/quality.py's normalisation and
edit distance, docs/data.md) for all forms and per style (printed / handwriting-style forms).
"""
import argparse
import json
import pathlib
import shlex
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from quality import levenshtein, normalize  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent


def score(result_path, truth):
    with open(result_path, encoding="utf-8") as f:
        read = {field["index"]: field["text"] for field in json.load(f)["fields"]}
    fields = []
    for field in truth["fields"]:
        got, want = normalize(read.get(field["field"], "")), normalize(field["text"])
        fields.append({"field": field["field"], "kind": field["kind"], "text": want, "read": got,
                       "edits": levenshtein(got, want)})
    return fields


def summary(fields):
    edits = sum(f["edits"] for f in fields)
    chars = sum(len(f["text"]) for f in fields)
    exact = sum(f["edits"] == 0 for f in fields)
    return exact, len(fields), 100 * edits / max(chars, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", required=True, help="folder of form_NNN.png + .json")
    parser.add_argument("--model", help="model folder (default: mlxocr's bundled model)")
    parser.add_argument("--mlxocr", default=str(ROOT / "build/mlxocr"))
    parser.add_argument("--template", default=str(ROOT / "tests/fixtures/forms/00_template.png"))
    parser.add_argument("--flags", default="",
                        help="more `mlxocr ocr` flags, one string: --flags=\"--whole-boxes\"")
    parser.add_argument("--json", help="write every field's reading here")
    parser.add_argument("--per-form", action="store_true",
                        help="one mlxocr run per form (form drop-out then has one scan: no vote)")
    args = parser.parse_args()

    truths = sorted(pathlib.Path(args.forms).glob("form_*.json"))
    if not truths:
        sys.exit(f"form_quality.py: {args.forms}: no form_NNN.json files")
    with tempfile.TemporaryDirectory() as out:
        command = [args.mlxocr, "ocr", "--template", args.template, "--align", "--format", "json",
                   "--quiet", "--no-images", "-o", out, *shlex.split(args.flags)]
        if args.model:
            command += ["--model", args.model]
        images = [str(t.with_suffix(".png")) for t in truths]
        start = time.time()
        for batch in ([[i] for i in images] if args.per_form else [images]):
            subprocess.run(command + batch, check=True)
        seconds = time.time() - start
        forms = []
        for truth_path in truths:
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            forms.append({"form": truth_path.stem, "style": truth["scan"]["style"],
                          "font": truth["scan"]["font"],
                          "fields": score(pathlib.Path(out) / f"{truth_path.stem}.json", truth)})

    print(f"| forms | fields | exact | CER |\n|---|---:|---:|---:|")
    for label, chosen in [("all", forms)] + [
            (style, [f for f in forms if f["style"] == style])
            for style in sorted({f["style"] for f in forms})]:
        exact, count, cer = summary([field for form in chosen for field in form["fields"]])
        print(f"| {label} ({len(chosen)}) | {count} | {exact} ({100 * exact / count:.0f} %) "
              f"| {cer:.2f} % |")
    print(f"mlxocr: {seconds:.1f} s for {len(forms)} forms", file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"forms_dir": args.forms, "model": args.model or "bundled",
                       "flags": args.flags, "seconds": seconds, "forms": forms}, f, indent=1,
                      ensure_ascii=False)


if __name__ == "__main__":
    main()
