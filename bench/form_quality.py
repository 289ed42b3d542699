#!/usr/bin/env python3
"""Reading quality on whole forms: mlxocr's form pipeline against the generator's ground truth.

    python3 bench/form_quality.py --forms DIR [--model M] [--flags=--whole-boxes] [--json OUT]
        [--per-form] [--untyped] [--tesseract]

DIR holds form_NNN.png + form_NNN.json as `tools/synth/synth.py --form --split test` writes them
(fonts never seen in training), or as `tools/synth/real_forms.py` does. All forms go through one
`mlxocr ocr --template ... --align` run (--per-form: one run each). Where DIR has template.png
and fields.json (real_forms.py's check boxes and typed fields), they are the run's --template
and --fields, and fields are matched by name. The first table gives fields read exactly and the
CER (bench/quality.py's normalisation and edit distance, docs/data.md) of the text fields for all
forms and per style (printed / slanted / handwriting); the second, per field type, also the
readings that do not match their type (the patterns of src/pipeline/field_types.cpp, read from
that file) and the check boxes read right.
--untyped: the fields file without its types (check boxes stay check boxes): decoding is not
constrained, so the second table shows what the constraints change.
--tesseract: mlxocr also writes the crops it reads, and `tesseract CROP - --psm 7 -l eng` reads
each one (Debian's tesseract-ocr); its readings are scored the same way beside mlxocr's.
"""
import argparse
import concurrent.futures
import json
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from quality import levenshtein, normalize  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIELD_TYPES_CPP = ROOT / "src/pipeline/field_types.cpp"


def builtin_patterns():
    """{type: regular expression} of mlxocr's built-in types, as field_types.cpp spells them."""
    text = FIELD_TYPES_CPP.read_text(encoding="utf-8")
    found = dict(re.findall(r'\{"(\w+)",\s*R"\((.*?)\)"\}', text, re.S))
    if not {"date", "number", "amount", "email", "phone"} <= found.keys():
        sys.exit(f"form_quality.py: {FIELD_TYPES_CPP}: built-in patterns not found")
    return found


def type_patterns(fields_file):
    """{field name: compiled pattern} for the typed entries of a fields file."""
    builtin, out = builtin_patterns(), {}
    for entry in json.loads(fields_file.read_text(encoding="utf-8")):
        kind = entry.get("type")
        pattern = entry.get("pattern") if kind == "pattern" else builtin.get(kind)
        if pattern:
            out[entry["name"]] = re.compile(pattern, re.ASCII)
    return out


def untyped_copy(fields_file, folder):
    """The fields file with every type but "checkbox" left out: unconstrained decoding."""
    entries = json.loads(fields_file.read_text(encoding="utf-8"))
    for entry in entries:
        if entry.get("type") != "checkbox":
            for key in ("type", "pattern", "chars"):
                entry.pop(key, None)
    path = pathlib.Path(folder) / "fields-untyped.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def tesseract(crop):
    if not crop.exists():
        return ""  # mlxocr found no writing to read
    done = subprocess.run(["tesseract", str(crop), "-", "--psm", "7", "-l", "eng"],
                          capture_output=True, text=True, check=True)
    return done.stdout


def score(result_path, truth, patterns, crops):
    """Each truth field with what mlxocr (and Tesseract, where `crops` is a folder) read."""
    with open(result_path, encoding="utf-8") as f:
        results = json.load(f)["fields"]
    by_name = "name" in truth["fields"][0]
    read = {(r["name"] if by_name else r["index"]): r for r in results}
    fields = []
    for field in truth["fields"]:
        key = field["name"] if by_name else field["field"]
        got = read.get(key, {})
        kind = field.get("type", "text")
        if kind == "pattern":
            kind = field["name"]  # real_forms.py's pattern field: the postal code
        row = {"field": key, "kind": kind, "text": normalize(field["text"])}
        if kind == "checkbox":
            row.update(checked=field["checked"], read_checked=got.get("checked"))
            fields.append(row)
            continue
        row.update(read=normalize(got.get("text", "")), valid=got.get("valid", True))
        if crops is not None and got:
            row["crop"] = crops / f"{got['index']:03d}.png"
        fields.append(row)
    for row in fields:
        pattern = patterns.get(row["field"])
        row["fits"] = None if pattern is None else bool(pattern.fullmatch(row.get("read", "")))
    return fields


def text_summary(fields, reading="read"):
    edits = sum(levenshtein(f[reading], f["text"]) for f in fields)
    chars = sum(len(f["text"]) for f in fields)
    exact = sum(f[reading] == f["text"] for f in fields)
    return exact, len(fields), 100 * edits / max(chars, 1)


def print_tables(forms, with_tesseract, patterns_of):
    all_fields = [f for form in forms for f in form["fields"]]
    text_cols = " | Tesseract exact | Tesseract CER" if with_tesseract else ""
    print(f"| text fields: forms | fields | exact | CER{text_cols} |\n|---|---:|---:|---:|"
          + ("---:|---:|" if with_tesseract else ""))
    for label, chosen in [("all", forms)] + [
            (style, [f for f in forms if f["style"] == style])
            for style in sorted({f["style"] for f in forms})]:
        fields = [f for form in chosen for f in form["fields"] if f["kind"] == "text"]
        if not fields:
            continue
        line = f"| {label} ({len(chosen)}) | " + cells(fields, "read")
        if with_tesseract:
            line += " | " + cells(fields, "tesseract")
        print(line + " |")
    print()
    print("| field type | fields | exact | CER | not of its type | mlxocr: not valid"
          + (" | Tesseract exact | Tesseract CER | Tesseract not of its type" if with_tesseract
             else "") + " |")
    print("|---|---:|---:|---:|---:|---:|" + ("---:|---:|---:|" if with_tesseract else ""))
    for kind in sorted({f["kind"] for f in all_fields} - {"checkbox"}):
        fields = [f for f in all_fields if f["kind"] == kind]
        typed = fields[0]["fits"] is not None
        misfits = f"{sum(not f['fits'] for f in fields)}" if typed else "–"
        invalid = f"{sum(not f['valid'] for f in fields)}" if typed else "–"
        line = f"| {kind} | {cells(fields, 'read')} | {misfits} | {invalid}"
        if with_tesseract:
            t_misfits = "–"
            if typed:
                pattern = patterns_of[fields[0]["field"]]
                t_misfits = str(sum(not pattern.fullmatch(f["tesseract"]) for f in fields))
            line += f" | {cells(fields, 'tesseract')} | {t_misfits}"
        print(line + " |")
    boxes = [f for f in all_fields if f["kind"] == "checkbox"]
    if boxes:
        right = sum(f["read_checked"] == f["checked"] for f in boxes)
        checked = sum(f["checked"] for f in boxes)
        print(f"\ncheck boxes: {right} / {len(boxes)} right ({100 * right / len(boxes):.1f} %); "
              f"{checked} marked, {len(boxes) - checked} empty; wrong: "
              + (", ".join(f"{f['form']}:{f['field']} (truth {f['checked']})"
                           for f in boxes if f["read_checked"] != f["checked"]) or "none"))


def cells(fields, reading):
    """"exact (share) | CER" of `fields` as read by `reading` (the key)."""
    exact, count, cer = text_summary(fields, reading)
    return f"{exact} / {count} ({100 * exact / max(count, 1):.0f} %) | {cer:.2f} %"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", required=True, help="folder of form_NNN.png + .json")
    parser.add_argument("--model", help="model folder (default: mlxocr's bundled model)")
    parser.add_argument("--mlxocr", default=str(ROOT / "build/mlxocr"))
    parser.add_argument("--template", help="default: FORMS/template.png where there is one, "
                        "else tests/fixtures/forms/00_template.png")
    parser.add_argument("--flags", default="",
                        help="more `mlxocr ocr` flags, one string: --flags=\"--whole-boxes\"")
    parser.add_argument("--json", help="write every field's reading here")
    parser.add_argument("--per-form", action="store_true",
                        help="one mlxocr run per form (form drop-out then has one scan: no vote)")
    parser.add_argument("--untyped", action="store_true",
                        help="leave the field types out of the fields file (no constraints)")
    parser.add_argument("--tesseract", action="store_true",
                        help="also read mlxocr's crops with the tesseract CLI (--psm 7, eng)")
    args = parser.parse_args()

    forms_dir = pathlib.Path(args.forms)
    truths = sorted(forms_dir.glob("form_*.json"))
    if not truths:
        sys.exit(f"form_quality.py: {args.forms}: no form_NNN.json files")
    template = args.template or (forms_dir / "template.png" if (forms_dir / "template.png").exists()
                                 else ROOT / "tests/fixtures/forms/00_template.png")
    fields_file = forms_dir / "fields.json"
    patterns = type_patterns(fields_file) if fields_file.exists() else {}
    with tempfile.TemporaryDirectory() as out:
        command = [args.mlxocr, "ocr", "--template", str(template), "--align", "--format", "json",
                   "--quiet", "-o", out, *shlex.split(args.flags)]
        if not args.tesseract:
            command.append("--no-images")  # the crops are only needed for Tesseract
        if fields_file.exists():
            command += ["--fields", str(untyped_copy(fields_file, out) if args.untyped
                                        else fields_file)]
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
            crops = pathlib.Path(out) / f"{truth_path.stem}.crops" if args.tesseract else None
            fields = score(pathlib.Path(out) / f"{truth_path.stem}.json", truth, patterns, crops)
            for f in fields:
                f["form"] = truth_path.stem
            forms.append({"form": truth_path.stem, "style": truth["scan"]["style"],
                          "font": truth["scan"]["font"], "fields": fields})
        if args.tesseract:
            start_t = time.time()
            todo = [f for form in forms for f in form["fields"] if f["kind"] != "checkbox"]
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                for f, text in zip(todo, pool.map(
                        lambda f: tesseract(f.pop("crop", pathlib.Path("/nonexistent"))), todo)):
                    f["tesseract"] = normalize(text)
            print(f"tesseract: {time.time() - start_t:.1f} s", file=sys.stderr)

    print_tables(forms, args.tesseract, patterns)
    print(f"mlxocr: {seconds:.1f} s for {len(forms)} forms", file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"forms_dir": args.forms, "model": args.model or "bundled",
                       "flags": args.flags, "untyped": args.untyped, "seconds": seconds,
                       "forms": forms}, f, indent=1, ensure_ascii=False, default=str)


if __name__ == "__main__":
    main()
