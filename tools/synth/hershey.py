"""Hands drawn as pen strokes, not fonts: the Hershey vector fonts (Debian's hershey-fonts-data)
give each character as a few polylines, the path a pen takes. Drawn with a round pen of random
width, a random slant and width, letters of slightly different size, height and tilt, and a slow
wobble along every stroke, no two lines look alike, and none looks like an outline font: the
lines that a scanned pen or marker leaves, which the outline handwriting fonts do not cover.

Accented letters are drawn as their base letter plus the accent's strokes (Unicode
decomposition), so the French and German words of synth.py need no glyphs of their own.
"""

import math
import pathlib
import unicodedata

from PIL import Image, ImageDraw

HERSHEY_DIR = pathlib.Path("/usr/share/hershey-fonts")
HERSHEY_PACKAGE = "hershey-fonts-data"
# Latin faces that a hand could write: cursive and script ones, and the single-stroke sans and
# roman ones that careful block capitals and print-script hands look like.
HANDS = ["cursive", "scripts", "scriptc", "futural", "futuram", "rowmans", "rowmand", "timesi"]

# Hershey units: the baseline is at y = 9, capitals rise to -12, descenders reach 16; y grows
# downwards as in a picture.
BASELINE, CAP_HEIGHT, DESCENDER = 9, -12, 16

# Accents as strokes around (0, 0) = the middle of the letter, 3 units above its top, y
# downwards, in Hershey units.
ACCENTS = {
    "\u0301": [[(-1, 1), (2, -3)]],                       # acute
    "\u0300": [[(-2, -3), (1, 1)]],                       # grave
    "\u0302": [[(-3, 0), (0, -3), (3, 0)]],               # circumflex
    "\u030c": [[(-3, -3), (0, 0), (3, -3)]],              # caron
    "\u0308": [[(-2, -1), (-2, -1.6)], [(2, -1), (2, -1.6)]],  # diaeresis: two dots
    "\u0303": [[(-3, -1), (-1.5, -2.5), (1.5, -1), (3, -2.5)]],  # tilde
    "\u030a": [[(0, -1), (-1.2, -1.8), (0, -3), (1.2, -1.8), (0, -1)]],  # ring
}
CEDILLA = "\u0327"  # drawn under the letter
CEDILLA_STROKE = [(0, 0), (0.8, 2), (2, 3), (0, 4.5), (-1.5, 4.5)]


def parse_jhf(path):
    """{character: (left, right, strokes)} of a Hershey .jhf file whose glyphs are ASCII 32,
    33, ... in order (the Latin faces hold 96; the last, 127, is never asked for). Each glyph:
    a 5-character number, a 3-character count of coordinate pairs (the margins included), the
    left and right margins and the pairs, each coordinate a letter offset from 'R'; " R" lifts
    the pen."""
    glyphs, code, pending = {}, 32, ""
    for line in path.read_text(encoding="ascii").splitlines():
        if not line.strip():
            continue
        pending += line
        count = int(pending[5:8])
        if len(pending) < 8 + 2 * count:  # the glyph continues on the next line
            continue
        body, pending = pending[8:8 + 2 * count], ""
        left, right = ord(body[0]) - ord("R"), ord(body[1]) - ord("R")
        strokes, current = [], []
        for i in range(2, len(body), 2):
            pair = body[i:i + 2]
            if pair == " R":
                strokes.append(current)
                current = []
            else:
                current.append((ord(pair[0]) - ord("R"), ord(pair[1]) - ord("R")))
        strokes.append(current)
        glyphs[chr(code)] = (left, right, [s for s in strokes if s])
        code += 1
    return glyphs


class StrokeHand:
    """A Hershey face as a training "font" of synth.py: its name, style and split, `covers`,
    and `render`, which draws a line in a new hand each time."""

    style, split = "handwriting", "train"

    def __init__(self, name):
        self.name = f"hershey-{name}"
        self.path = HERSHEY_DIR / f"{name}.jhf"
        self.glyphs = parse_jhf(self.path)

    def _parts(self, ch):
        """The base character and the accents of `ch`, or None where it cannot be drawn."""
        if ch in self.glyphs:
            return ch, []
        base, *marks = unicodedata.normalize("NFD", ch)
        if base in self.glyphs and marks and all(m in ACCENTS or m == CEDILLA for m in marks):
            return base, marks
        return None

    def covers(self, text):
        return all(self._parts(ch) is not None for ch in text)

    def _glyph_strokes(self, rng, ch, x):
        """The strokes of one character placed at pen position x, in Hershey units, and its
        advance. Each letter gets its own size, height and tilt, as a hand writes them."""
        base, marks = self._parts(ch)
        left, right, strokes = self.glyphs[base]
        strokes = [list(s) for s in strokes]
        top = min(py for stroke in strokes for px, py in stroke)  # the letter's own top
        centre = (left + right) / 2
        for mark in marks:
            if mark == CEDILLA:
                strokes.append([(centre + dx, BASELINE + dy) for dx, dy in CEDILLA_STROKE])
            else:
                for accent in ACCENTS[mark]:
                    strokes.append([(centre + dx, top - 3 + dy) for dx, dy in accent])
        scale = rng.uniform(0.86, 1.14)
        lift = rng.uniform(-1.2, 1.2)
        tilt = math.radians(rng.uniform(-6, 6))
        cos, sin = math.cos(tilt), math.sin(tilt)
        placed = []
        for stroke in strokes:
            points = []
            for px, py in stroke:
                # where the pen turns it never lands twice on the same spot
                px, py = px + rng.uniform(-0.4, 0.4), py + rng.uniform(-0.4, 0.4)
                px, py = (px - left) * scale, (py - BASELINE) * scale
                px, py = px * cos - py * sin, px * sin + py * cos
                points.append((x + px, BASELINE + py + lift))
            placed.append(points)
        return placed, (right - left) * scale

    def render(self, rng, text, height, paper, ink):
        """`text` on `paper` in `ink`, about `height` px from capital top to descender, RGB,
        tight around the ink (synth.py boxes it). Drawn 4x larger and scaled down, so the
        round pen's edges are smooth."""
        slant = rng.uniform(-0.1, 0.45)       # most hands lean right, a few left
        stretch = rng.uniform(0.75, 1.3)      # narrow or wide letters
        spacing = rng.uniform(-1.0, 2.5)      # letters closer together or further apart
        word_gap = rng.uniform(0.7, 1.5)
        wobble = [(rng.uniform(0.2, 0.9), rng.uniform(5, 20), rng.uniform(0, 2 * math.pi))
                  for _ in range(2)]
        strokes, x = [], 0.0
        for ch in text:
            if ch == " ":
                x += 8 * word_gap + spacing  # about half a letter's width
                continue
            placed, advance = self._glyph_strokes(rng, ch, x)
            strokes.extend(placed)
            x += advance + spacing
        if not strokes:
            raise ValueError(f"{self.name}: nothing to draw in {text!r}")
        unit = 4 * height / (DESCENDER - CAP_HEIGHT)   # px per Hershey unit, 4x supersampled
        pen = max(4.0, unit * rng.uniform(1.2, 3.2))  # pen width in supersampled px
        # A third of the hands write with a broad nib or a brush held at a fixed angle: strokes
        # along the nib are thin, across it thick (the contrast of brush scripts); the rest
        # with a round pen (ball-point, felt-tip, marker).
        nib = None
        if rng.random() < 0.35:
            angle = math.radians(rng.uniform(20, 60))
            half = unit * rng.uniform(1.5, 2.6)
            nib = (half * math.cos(angle), -half * math.sin(angle))
            pen = max(4.0, unit * rng.uniform(0.4, 0.8))  # the nib's edge: the hairlines

        def to_px(px, py):
            # a slow wobble along the line (the hand is not a plotter), then slant and stretch
            dy = sum(a * math.sin(2 * math.pi * px / p + ph) for a, p, ph in wobble)
            dx = sum(a * math.cos(2 * math.pi * py / p + ph) for a, p, ph in wobble) * 0.5
            py += dy
            px = (px + dx) * stretch - slant * (py - BASELINE)
            return px * unit, py * unit

        paths = [[to_px(px, py) for px, py in stroke] for stroke in strokes]
        xs = [p[0] for path in paths for p in path]
        ys = [p[1] for path in paths for p in path]
        margin = pen + (abs(nib[0]) + abs(nib[1]) if nib else 0)
        x0, y0 = min(xs) - margin, min(ys) - margin
        width, full = int(max(xs) - x0 + margin) + 1, int(max(ys) - y0 + margin) + 1
        canvas = Image.new("RGB", (width, full), paper)
        draw = ImageDraw.Draw(canvas)
        for path in paths:
            points = [(px - x0, py - y0) for px, py in path]
            w = max(1, round(pen * rng.uniform(0.85, 1.15)))  # pressure changes stroke to stroke
            if len(points) == 1:
                points = points * 2
            draw.line(points, fill=ink, width=w, joint="curve")
            if nib is not None:  # the area the nib sweeps: one parallelogram per segment
                nx, ny = nib
                for (ax, ay), (bx, by) in zip(points, points[1:]):
                    draw.polygon([(ax + nx, ay + ny), (bx + nx, by + ny), (bx - nx, by - ny),
                                  (ax - nx, ay - ny)], fill=ink)
            r = w / 2  # round pen ends
            for px, py in (points[0], points[-1]):
                draw.ellipse([px - r, py - r, px + r, py + r], fill=ink)
        return canvas.resize((max(1, width // 4), max(1, full // 4)), Image.LANCZOS)


def load_hands():
    missing = [h for h in HANDS if not (HERSHEY_DIR / f"{h}.jhf").exists()]
    if missing:
        raise FileNotFoundError(f"Hershey fonts {missing} are missing from {HERSHEY_DIR}: "
                                f"install the Debian package {HERSHEY_PACKAGE}")
    return [StrokeHand(h) for h in HANDS]
