#!/usr/bin/env python3
"""Filled forms as people fill them, for form drop-out and ink following (issue 27).

    tools/synth/.venv/bin/python tools/synth/real_forms.py --output data/real-forms --count 30
    tools/synth/.venv/bin/python tools/synth/real_forms.py --output data/hand-forms --count 30 \\
        --fill strokes           # filled by hands drawn as pen strokes (hershey.py)
    tools/synth/.venv/bin/python tools/synth/real_forms.py --output tests/fixtures/forms/real \\
        --count 5 --clean --no-checkboxes --no-typed  # the test fixtures (test_form_dropout.cpp)

The users' template (fields outlined in red) is printed as a form: the outlines in black and a
small printed label inside most boxes, in the top-left corner ("Name", "Date of birth", a field
number). `blank.png` is that printed form, empty. Each `form_NNN.png` is the same form filled in:
one value per box (synth.py's field texts), right of and below the label, and in some boxes
written larger than the box, sitting on its bottom line so that descenders cross it (and may reach
into the box below). Then the page is scanned as synth.py's forms are (shift, slight rotation,
blur, noise, binarisation) — except with --clean, which keeps the page exactly as drawn (no
shift, rotation or noise) so that a test can count the writing's pixels.

`form_NNN.json` holds, per field: number, template box, text, label, whether the writing crosses
the bottom line, and the pixels of the writing alone and of the label alone (binarised at 128,
drawn on an empty page: the ground truth a test compares a crop's ink with).

Unless --no-checkboxes / --no-typed, the form also has six check boxes (ticked, crossed,
scribbled or empty) and four typed fields (postal code, date, amount, phone) in the band above
the 18 boxes (form_extras.py): then DIR/template.png is the template with their outlines and
DIR/fields.json names every box and types the added ones (`mlxocr ocr --template
DIR/template.png --fields DIR/fields.json`); each JSON field then has a "name" and "type", a
check box "checked" and "mark". Their draws come from a generator of their own, so the 18 fields
of a seed keep their texts (and the scan its shift and noise) with or without them.
--fill picks the writer of each form (form_writers.py): DejaVu fonts (default), hands drawn as
pen strokes (strokes), or the handwriting-style fonts synth.py keeps out of training (script).
Pillow and numpy only (tools/synth/setup.sh); fonts: fonts-dejavu-core; --fill strokes
hershey-fonts-data, --fill script fonts-kaushanscript, fonts-rufscript, fonts-comic-neue.
"""
import argparse
import json
import pathlib
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

import form_extras
import hershey
from form_writers import FontWriter, HandWriter
from synth import FORM_FIELDS, Font, field_text

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
LABEL_FONT = f"{FONT_DIR}/DejaVuSans.ttf"
# --fill fonts: printed faces and the slanted ones standing in for a hand (no handwriting font is
# a Debian default); --fill strokes and script bring hands from other packages.
FILL_FONTS = ["DejaVuSerif.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSerif-Italic.ttf",
              "DejaVuSansCondensed.ttf", "DejaVuSans.ttf"]
# The label printed in each of the template's 18 boxes (None: no label), as on a real form.
LABELS = ["Date", "Name", "ID no.", "No.", "Phone", "Address", "Notes", "Count", "E-mail",
          "Address", "Notes", "Amount", "Date", "No.", "ID", "Amount", "Remarks", "Signed"]
# The handwriting-style fonts of synth.py's test split: never in the bundled model's training.
SCRIPT_FONTS = ["/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf",
                "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",
                "/usr/share/fonts/opentype/comic-neue/ComicNeue-LightItalic.otf"]
# Words with descenders, so that writing on the line crosses it.
CROSSING_TEXTS = ["Agnes Ploug", "Jytte Bjerg", "Gregory Quaye", "Pippa Gray", "Yngve Lygren"]


def load_boxes(path):
    return json.loads(pathlib.Path(path).read_text())["boxes"]


def printed_form(template):
    """The blank form as printed: the template's (RGBA) red outlines in black on white (mode L)."""
    rgba = np.asarray(template).astype(np.int32)
    red = (rgba[..., 0] >= 150) & (rgba[..., 1] <= 110) & (rgba[..., 2] <= 110) & (rgba[..., 3] >= 32)
    page = np.full(red.shape, 255, dtype=np.uint8)
    page[red] = 0
    return Image.fromarray(page, "L")


def label_face(box):
    return ImageFont.truetype(LABEL_FONT, max(9, round(box["h"] * 0.24)))


def draw_label(draw, box, text):
    """The label in the box's top-left corner, 5 px in; returns its right edge."""
    face = label_face(box)
    x, y = box["x"] + 5, box["y"] + 5
    left, top, right, _ = face.getbbox(text)
    draw.text((x - left, y - top), text, font=face, fill=0)
    return x + right - left


def ink_pixels(layer):
    return int((np.asarray(layer) < 128).sum())


def fill_box(rng, box, kind, label_right, crossing, writer, layer):
    """The writing of one field on its own page-sized layer; returns its text."""
    if crossing:
        text = rng.choice(CROSSING_TEXTS)
        size = round(box["h"] * rng.uniform(0.95, 1.1))
    else:
        _, text = field_text(rng, kind, labels=False)
        size = round(box["h"] * rng.uniform(0.5, 0.62))
    x0 = (label_right if label_right else box["x"]) + max(12, box["h"] // 2)
    return writer.draw(rng, layer, box, text, size, x0, crossing)


def form_writer(font_name, fill, extra, hands):
    """The form's writer: `font_name` (already drawn, so that seeds keep their texts) for
    fonts; otherwise one drawn from `extra`."""
    if fill == "strokes":
        return HandWriter(extra.choice(hands), extra.getrandbits(32))
    if fill == "script":
        path = extra.choice(SCRIPT_FONTS)
        return FontWriter(path, "handwriting", Font(path, "handwriting", "test").covers)
    slanted = "Oblique" in font_name or "Italic" in font_name
    return FontWriter(f"{FONT_DIR}/{font_name}", "slanted" if slanted else "printed")


def binarised(layer):
    return layer.point(lambda v: 0 if v < 128 else 255)


def add_extras(extra, options, blank, writer, writing):
    """The typed fields and check boxes (form_extras.py): labels on `blank`, writing and marks
    on `writing`; returns their fields' ground truth."""
    draw, fields = ImageDraw.Draw(blank), []
    if options.typed:
        for name, label, kind, box in form_extras.TYPED:
            label_right = draw_label(draw, box, label)
            layer = Image.new("L", blank.size, 255)
            size = round(box["h"] * extra.uniform(0.5, 0.62))
            text = writer.draw(extra, layer, box, form_extras.typed_value(extra, name), size,
                               label_right + max(12, box["h"] // 2), False)
            writing.paste(0, mask=Image.eval(binarised(layer), lambda v: 255 - v))
            fields.append(dict(field=None, name=name, box=box, text=text, kind=name,
                               type=kind["type"], label=label, crossing=False))
    if options.checkboxes:
        face = ImageFont.truetype(LABEL_FONT, 18)
        for (name, label), box in zip(form_extras.CHECKBOXES, form_extras.checkbox_boxes()):
            draw.text((box["x"] + box["w"] + 8, box["y"] + 6), label, font=face, fill=0)
            mark = extra.choice(form_extras.MARKS)
            layer = Image.new("L", blank.size, 255)
            form_extras.draw_marks(extra, ImageDraw.Draw(layer), box, mark)
            writing.paste(0, mask=Image.eval(binarised(layer), lambda v: 255 - v))
            fields.append(dict(field=None, name=name, box=box, text="", kind="checkbox",
                               type="checkbox", label=label, mark=mark,
                               checked=mark != "empty"))
    return fields


def render_form(rng, extra, template, boxes, options, hands):
    blank = printed_form(template)
    draw = ImageDraw.Draw(blank)
    label_right = [draw_label(draw, b, t) if t else None for b, t in zip(boxes, LABELS)]
    font_name = rng.choice(FILL_FONTS)
    writer = form_writer(font_name, options.fill, extra, hands)
    writing = Image.new("L", blank.size, 255)
    fields = []
    for number, (box, kind) in enumerate(zip(boxes, FORM_FIELDS), start=1):
        # Box 2 (a name over box 6) always crosses in the clean fixtures: the test needs one.
        # A name in a narrow box would be cut to a letter or two: only wide boxes get one.
        crossing = ((number == 2) if options.clean
                    else rng.random() < options.crossing_share and box["w"] >= 300)
        layer = Image.new("L", blank.size, 255)
        text = fill_box(rng, box, kind, label_right[number - 1], crossing, writer, layer)
        layer = binarised(layer)
        writing = Image.fromarray(np.minimum(np.asarray(writing), np.asarray(layer)), "L")
        label_layer = Image.new("L", blank.size, 255)
        if LABELS[number - 1]:
            draw_label(ImageDraw.Draw(label_layer), box, LABELS[number - 1])
        label_layer = binarised(label_layer)
        fields.append(dict(field=number, box=box, text=text, kind=kind, label=LABELS[number - 1],
                           crossing=crossing, writing_pixels=ink_pixels(layer),
                           label_pixels=ink_pixels(label_layer) if LABELS[number - 1] else 0))
        if options.checkboxes or options.typed:
            fields[-1]["name"], fields[-1]["type"] = f"field{number:02d}", "text"
    fields += add_extras(extra, options, blank, writer, writing)
    blank = binarised(blank)
    filled = Image.fromarray(np.minimum(np.asarray(blank), np.asarray(writing)), "L")
    scan = dict(rotation_deg=0.0, shift_px=[0, 0], font=writer.name)
    if not options.clean:
        filled, scan = scanned(rng, filled, writer.name)
    # bench/form_quality.py's tables are per style.
    scan["style"] = writer.style
    return blank, filled, fields, scan


def scanned(rng, page, font_name):
    """As synth.py scans its forms: shifted, slightly rotated, blurred, noised, binarised."""
    angle, dx, dy = rng.uniform(-1.0, 1.0), rng.randint(-12, 12), rng.randint(-8, 8)
    page = page.rotate(angle, resample=Image.BILINEAR, translate=(dx, dy), fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.6)))
    nprng = np.random.default_rng(rng.getrandbits(63))
    pixels = np.asarray(page, dtype=np.float32) + nprng.normal(0, 10, page.size[::-1])
    pixels = np.where(pixels < rng.uniform(160, 200), 0, 255)
    pixels = np.where(nprng.random(pixels.shape) < 0.0003, 0, pixels)
    return (Image.fromarray(pixels.astype(np.uint8), "L"),
            dict(rotation_deg=angle, shift_px=[dx, dy], font=font_name))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", required=True, help="folder to write into (created)")
    parser.add_argument("--count", type=int, default=5, help="filled forms to make")
    parser.add_argument("--seed", type=int, default=27, help="same seed, same output")
    parser.add_argument("--clean", action="store_true",
                        help="no scan: pages exactly as drawn (the test fixtures)")
    parser.add_argument("--crossing-share", type=float, default=0.3,
                        help="share of fields written larger than the box, on its bottom line")
    parser.add_argument("--checkboxes", action=argparse.BooleanOptionalAction, default=True,
                        help="add six check boxes, ticked, crossed, scribbled or empty")
    parser.add_argument("--typed", action=argparse.BooleanOptionalAction, default=True,
                        help="add four typed fields: postal code, date, amount, phone")
    parser.add_argument("--fill", choices=["fonts", "strokes", "script"], default="fonts",
                        help="who fills each form: DejaVu fonts, hands drawn as pen strokes "
                        "(hershey.py), or synth.py's held-out handwriting-style fonts")
    parser.add_argument("--template", default=str(ROOT / "tests/fixtures/forms/00_template.png"))
    parser.add_argument("--boxes", default=str(ROOT / "tests/fixtures/forms/template_boxes.json"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    extra = random.Random(f"{args.seed}:extras")  # the added boxes and writers: their own draws
    boxes = load_boxes(args.boxes)
    out = pathlib.Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    template = form_extras.template_with_extras(args.template, args.checkboxes, args.typed)
    if args.checkboxes or args.typed:
        template.save(out / "template.png", optimize=True)
        (out / "fields.json").write_text(
            form_extras.fields_file(boxes, args.checkboxes, args.typed))
    hands = hershey.load_hands() if args.fill == "strokes" else []
    for i in range(args.count):
        blank, filled, fields, scan = render_form(rng, extra, template, boxes, args, hands)
        if i == 0:  # one blank for all: every form of a run is the same printed form
            if not args.clean:
                blank, _ = scanned(rng, blank, "")
            blank.save(out / "blank.png", optimize=True)
        filled.save(out / f"form_{i:03d}.png", optimize=True)
        truth = dict(image=f"form_{i:03d}.png", blank="blank.png", seed=args.seed,
                     clean=args.clean, scan=scan, fields=fields)
        if args.checkboxes or args.typed:
            truth["template"], truth["fields_file"] = "template.png", "fields.json"
        (out / f"form_{i:03d}.json").write_text(json.dumps(truth, indent=1) + "\n")
    print(f"{out}: blank.png and {args.count} filled form(s) (form_NNN.png / .json)")


if __name__ == "__main__":
    main()
