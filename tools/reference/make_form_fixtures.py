#!/usr/bin/env python3
"""Field boxes of the users' form template, found independently of our C++ code.

    tools/reference/.venv/bin/python tools/reference/make_form_fixtures.py

The users' workflow (ENGINEERING.md §1) takes the template's red pixels, their external
contours and bounding rectangles, drops tiny and over-wide ones and reads rows top to bottom,
left to right. The bounding rectangle of an external contour is the bounding box of its
8-connected component, so this script labels components with numpy alone (no OpenCV) and
writes tests/fixtures/forms/template_boxes.json for the C++ test to compare against.
"""
import json
from collections import deque
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
# A copy of shared/reference/templates/00_template.png, so the tests do not depend on shared/.
TEMPLATE = ROOT / "tests" / "fixtures" / "forms" / "00_template.png"
OUT = ROOT / "tests" / "fixtures" / "forms"

# The defaults of mlxocr ocr's --red-min/--green-max/--blue-max, alpha >= 32, box >= 12x8.
MIN_RED, MAX_GREEN, MAX_BLUE, MIN_ALPHA = 150, 110, 110, 32
MIN_W, MIN_H, MAX_W_FRACTION = 12, 8, 0.98


def components(mask):
    h, w = mask.shape
    seen = np.zeros_like(mask, dtype=bool)
    boxes = []
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0]:
            continue
        seen[y0, x0] = True
        queue = deque([(y0, x0)])
        top, left, bottom, right = y0, x0, y0, x0
        while queue:
            y, x = queue.popleft()
            top, bottom, left, right = min(top, y), max(bottom, y), min(left, x), max(right, x)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        queue.append((ny, nx))
        boxes.append({"x": int(left), "y": int(top), "w": int(right - left + 1),
                      "h": int(bottom - top + 1)})
    return boxes


def in_reading_order(boxes):
    rows = []
    for box in sorted(boxes, key=lambda b: b["y"] + b["h"] / 2):
        last = rows[-1][0] if rows else None
        if last:
            overlap = min(last["y"] + last["h"], box["y"] + box["h"]) - max(last["y"], box["y"])
            if 2 * overlap >= min(last["h"], box["h"]):
                rows[-1].append(box)
                continue
        rows.append([box])
    return [b for row in rows for b in sorted(row, key=lambda b: b["x"])]


def render_sample_scan(boxes):
    """A filled-in, scanned-looking copy of the form for the demo and the README: printed
    outlines, text in every field, shifted by (9, -6) px and rotated 0.5 degrees, binarised."""
    from PIL import ImageDraw, ImageFont
    template = Image.open(TEMPLATE)
    page = Image.new("L", template.size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    for i, b in enumerate(boxes):
        draw.rectangle([b["x"], b["y"], b["x"] + b["w"] - 1, b["y"] + b["h"] - 1], outline=0, width=2)
        draw.text((b["x"] + 12, b["y"] + b["h"] // 2 - 14), f"Field {i + 1}", fill=0, font=font)
    page = page.rotate(-0.5, resample=Image.BILINEAR, fillcolor=255, translate=(9, -6))
    page.point(lambda v: 0 if v < 160 else 255).save(OUT / "sample_scan.png")


def render_sample_page():
    """A page of printed lines, skewed by 1 degree, for the page-mode demo and README."""
    from PIL import ImageDraw, ImageFont
    lines = ["Invoice 2024-118", "Anna Kowalska, 4 Main Street", "Due: 1,234.50 EUR",
             "Paid by transfer on 12 March", "Thank you"]
    page = Image.new("L", (900, 520), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 34)
    for i, text in enumerate(lines):
        draw.text((60, 50 + 90 * i), text, fill=0, font=font)
    page = page.rotate(1.0, resample=Image.BILINEAR, fillcolor=255)
    page.point(lambda v: 0 if v < 160 else 255).save(OUT / "sample_page.png")


def main():
    rgba = np.array(Image.open(TEMPLATE).convert("RGBA")).astype(int)
    r, g, b, a = rgba[..., 0], rgba[..., 1], rgba[..., 2], rgba[..., 3]
    mask = (r >= MIN_RED) & (g <= MAX_GREEN) & (b <= MAX_BLUE) & (a >= MIN_ALPHA)
    width = mask.shape[1]
    boxes = [bx for bx in components(mask)
             if bx["w"] >= MIN_W and bx["h"] >= MIN_H and bx["w"] <= MAX_W_FRACTION * width]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "template_boxes.json").write_text(json.dumps(
        {"template": "forms/00_template.png",
         "made_by": "tools/reference/make_form_fixtures.py",
         "boxes": in_reading_order(boxes)}, indent=1) + "\n")
    render_sample_scan(in_reading_order(boxes))
    render_sample_page()
    print(f"{len(boxes)} boxes")


if __name__ == "__main__":
    main()
