"""Who fills a real_forms.py form: one writer per form, a font or a hand drawn as pen strokes.

- `FontWriter`: a font file (DejaVu upright = "printed", oblique/italic = "slanted"; the
  handwriting-style fonts synth.py keeps out of training = "handwriting").
- `HandWriter`: a Hershey face drawn as pen strokes (hershey.py), "handwriting". One face per
  form; the hand's slant, width and spacing are the same in every field of the form (its
  generator restarts from one seed per field), the pen's width varies from field to field.

`draw` writes one field's text on a page-sized layer (mode L, black on white) and returns the
text as drawn: shortened where it does not fit, characters the writer lacks spelt otherwise.
Only the caller's `rng` draws what the fonts did before this module existed (the crossing
baseline's jitter), so a seed gives the same texts in the 18 fields whichever writer fills the
form (but for characters spelt otherwise and texts shortened to fit).
"""
import random

from PIL import Image, ImageDraw, ImageFont, ImageOps

SPELT_OTHERWISE = {"ß": "ss", "€": "EUR", "£": "GBP", "°": "o", "ø": "o", "Ø": "O", "æ": "ae",
                   "Æ": "AE", "œ": "oe"}


def spelt_for(covers, text):
    """`text` with what `covers` cannot draw spelt otherwise, or left out."""
    out = ""
    for ch in text:
        if not covers(ch):
            ch = SPELT_OTHERWISE.get(ch, "")
        out += ch if covers(ch) else ""
    return out


class FontWriter:
    def __init__(self, path, style, covers=None):
        self.path, self.style, self.name = path, style, path.rsplit("/", 1)[-1]
        self.covers = covers or (lambda text: True)

    def draw(self, rng, layer, box, text, size, x0, crossing):
        text = spelt_for(self.covers, text)
        for _ in range(20):
            face = ImageFont.truetype(self.path, size)
            left, top, right, bottom = face.getbbox(text)
            if x0 + right - left <= box["x"] + box["w"] - 8:
                break
            if crossing or size < 10:
                text = text[: max(1, len(text) - 2)]
            else:
                size -= 2
        ascent, _ = face.getmetrics()
        if crossing:
            # The baseline on the bottom line: descenders run across it.
            baseline = box["y"] + box["h"] - 2 + rng.randint(-1, 1)
        else:
            baseline = box["y"] + box["h"] - 6 - (bottom - ascent if bottom > ascent else 0)
        ImageDraw.Draw(layer).text((x0 - left, baseline - ascent), text, font=face, fill=0)
        return text


class HandWriter:
    style = "handwriting"

    def __init__(self, hand, seed):
        self.hand, self.seed, self.name = hand, seed, hand.name

    def draw(self, rng, layer, box, text, size, x0, crossing):
        text = spelt_for(lambda t: self.hand.covers(t) if t else True, text)
        jitter = rng.randint(-1, 1) if crossing else 0  # as FontWriter draws it
        room = box["x"] + box["w"] - 8 - x0
        # Hershey's height runs from capital top to descender; a font's size is a little more
        # than its ink: 0.8 of it writes about as large.
        height = max(8, round(size * 0.8))
        for _ in range(20):
            picture = self.hand.render(random.Random(self.seed), text, height, (255,) * 3,
                                       (0,) * 3).convert("L")
            scale = min(1.0, room / picture.width)
            if not crossing:  # a field's writing stays inside its box
                scale = min(scale, (box["h"] - 8) / picture.height)
            if picture.height * scale >= 10 or len(text) <= 1:
                break
            text = text[: max(1, len(text) - 2)]
        if scale < 1:
            picture = picture.resize((max(1, round(picture.width * scale)),
                                      max(1, round(picture.height * scale))), Image.LANCZOS)
        if crossing:  # the descenders, about a quarter of the height, below the bottom line
            y = box["y"] + box["h"] - 2 + jitter - round(picture.height * 0.75)
        else:
            y = box["y"] + box["h"] - 5 - picture.height
        # The layer is white but for this field: ink painted with the picture's darkness as alpha.
        layer.paste(0, (x0, y, x0 + picture.width, y + picture.height), ImageOps.invert(picture))
        return text
