"""The boxes real_forms.py adds to the users' template (issue 27 items 3 and 4): typed fields
(postal code, date, amount, phone: values that fit `mlxocr ocr --fields` types) and check boxes
marked with a tick, a cross or a scribble, or left empty.

They sit in the empty band above the template's 18 boxes, outlined in the template's red in a
template of their own (DIR/template.png); DIR/fields.json names every box (the 18 as
`field01`..`field18`) and gives the added ones their type. All their random draws come from a
generator of their own, so the 18 fields of a seed keep the texts and scan they had before.
"""
import json

from PIL import Image, ImageDraw

from synth import phone

RED = (253, 38, 0, 128)  # the template's own outline colour
# name, printed label, the fields-file entry's type, box in template pixels.
TYPED = [
    ("postcode", "Postcode", {"type": "pattern", "pattern": "[0-9]{5}"},
     dict(x=130, y=40, w=240, h=62)),
    ("date", "Date", {"type": "date"}, dict(x=400, y=40, w=300, h=62)),
    ("amount", "Amount", {"type": "amount"}, dict(x=730, y=40, w=300, h=62)),
    ("phone", "Phone", {"type": "phone"}, dict(x=1060, y=40, w=420, h=62)),
]
CHECK_SIDE = 34
# name, the label printed right of the box.
CHECKBOXES = [("yes", "Yes"), ("no", "No"), ("male", "M"), ("female", "F"), ("urgent", "Urgent"),
              ("copy", "Copy sent")]
MARKS = ["tick", "cross", "scribble", "empty"]


def checkbox_boxes():
    return [dict(x=130 + 190 * k, y=128, w=CHECK_SIDE, h=CHECK_SIDE)
            for k in range(len(CHECKBOXES))]


def typed_value(rng, name):
    """A value of field `name` that its type accepts (src/pipeline/field_types.cpp)."""
    if name == "postcode":
        return "".join(rng.choice("0123456789") for _ in range(5))
    if name == "date":
        y, m, d = rng.randint(1940, 2035), rng.randint(1, 12), rng.randint(1, 28)
        return rng.choice([f"{d:02d}.{m:02d}.{y}", f"{d:02d}/{m:02d}/{y}", f"{y}-{m:02d}-{d:02d}",
                           f"{d}.{m}.{y % 100:02d}", f"{d}/{m}/{y}"])
    if name == "amount":
        whole = rng.choice([rng.randint(1, 999), rng.randint(1000, 99999)])
        cents = rng.randint(0, 99)
        us = f"{whole:,}.{cents:02d}"
        eu = f"{whole:,}".replace(",", ".") + f",{cents:02d}"
        return rng.choice([us, eu, f"${us}", f"{eu} EUR", f"{us} USD", f"{whole}.{cents:02d}"])
    return phone(rng)


def template_with_extras(template_path, checkboxes, typed):
    """The users' template (RGBA) with the added boxes' outlines, 2 px, in its red."""
    image = Image.open(template_path).convert("RGBA")
    draw = ImageDraw.Draw(image)
    boxes = (checkbox_boxes() if checkboxes else []) + ([t[3] for t in TYPED] if typed else [])
    for b in boxes:
        draw.rectangle([b["x"], b["y"], b["x"] + b["w"] - 1, b["y"] + b["h"] - 1], outline=RED,
                       width=2)
    return image


def fields_file(boxes, checkboxes, typed):
    """fields.json's entries: every box named by a point inside it, the added ones typed."""
    def at(b):
        return dict(x=b["x"] + b["w"] // 2, y=b["y"] + b["h"] // 2)
    entries = [dict(at(b), name=f"field{n:02d}") for n, b in enumerate(boxes, start=1)]
    if typed:
        entries += [dict(at(box), name=name, **kind) for name, _, kind, box in TYPED]
    if checkboxes:
        entries += [dict(at(box), name=name, type="checkbox")
                    for (name, _), box in zip(CHECKBOXES, checkbox_boxes())]
    return json.dumps(entries, indent=1) + "\n"


def _pen(rng, points, width):
    """A hand's line through `points`: each turning point moved a little."""
    return [(x + rng.uniform(-1, 1), y + rng.uniform(-1, 1)) for x, y in points], width


def mark_strokes(rng, box, mark):
    """The polylines (points, width) of `mark` in check box `box`: a tick or a cross may run a
    few pixels past the outline, as a quick hand's does."""
    x, y, s = box["x"], box["y"], box["w"]
    width = rng.randint(2, 4)
    if mark == "tick":
        low = (x + s * rng.uniform(0.35, 0.5), y + s * rng.uniform(0.75, 0.95))
        return [_pen(rng, [(x + s * rng.uniform(0.1, 0.25), y + s * rng.uniform(0.45, 0.6)), low,
                           (x + s * rng.uniform(0.85, 1.15), y + s * rng.uniform(-0.15, 0.15))],
                     width)]
    if mark == "cross":
        a, b = rng.uniform(0.05, 0.2), rng.uniform(0.8, 1.0)
        return [_pen(rng, [(x + s * a, y + s * a), (x + s * b, y + s * b)], width),
                _pen(rng, [(x + s * b, y + s * a), (x + s * a, y + s * b)], width)]
    if mark == "scribble":  # a zig-zag back and forth, as a box is blacked out
        turns, points = rng.randint(4, 8), []
        for k in range(turns):
            t = (k + 0.5) / turns
            side = 0.2 if k % 2 == 0 else 0.8
            points.append((x + s * (side + rng.uniform(-0.1, 0.1)),
                           y + s * (0.15 + 0.7 * t + rng.uniform(-0.05, 0.05))))
        return [_pen(rng, points, width)]
    return []


def draw_marks(rng, layer_draw, box, mark):
    for points, width in mark_strokes(rng, box, mark):
        layer_draw.line(points, fill=0, width=width, joint="curve")
