#!/usr/bin/env python3
"""Synthetic form-field text lines (and whole filled forms) for training and testing TrOCR.

Line mode (default) writes OUTPUT/images/NNNNNN.png and OUTPUT/metadata.csv with the columns
file_name,text (the TrOCR / IAM layout `mlxocr train` and `mlxocr eval` read; the folder itself is
a dataset too) plus font, style and kind:

    tools/synth/.venv/bin/python tools/synth/synth.py --count 20000 --output data/train --seed 1
    tools/synth/.venv/bin/python tools/synth/synth.py --count 2000 --output data/test \\
        --split test --seed 2

Text looks like what people write into forms: names, addresses, dates in several formats,
amounts, IDs, e-mail addresses, phone numbers, and free words from Debian's English, French and
German word lists (words.txt). Fonts come from Debian packages; some printed and some
handwriting-style fonts are kept for the test split only (FONTS below), so a test CER measures
fonts never seen in training. Noise is field-like: box lines, underlines, blur, speckle, slight
rotation and shear, and the binarisation of a scanned form. Line images are 32 to 64 px high.

Form mode renders a filled, scanned-looking page of the users' form template (fields outlined in
red) and writes the ground truth per field:

    tools/synth/.venv/bin/python tools/synth/synth.py --form --count 1 --output data/forms

Everything is deterministic for a given --seed (and the same font files).
"""
import argparse
import csv
import json
import math
import pathlib
import random
import sys
import unicodedata

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

import hershey  # the stroke hands, beside this file

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# (path, style, split). Printed: fonts-dejavu-core, fonts-liberation2, fonts-urw-base35.
# Handwriting-style: fonts-dkg-handwriting, fonts-dancingscript, fonts-comic-neue,
# fonts-kaushanscript, fonts-rufscript, and (training only, added for run 14 because the held-out
# brush and marker hands were read 3-5x worse than the training hands) fonts-breip, fonts-kristi,
# fonts-sjfonts, fonts-lobstertwo, fonts-ecolier-court, fonts-leckerli-one; printed also
# fonts-yanone-kaffeesatz. Added for run 16 (handwriting on held-out fonts still 2x the printed
# CER): fonts-tlwg-purisa, fonts-klee, fonts-seto, fonts-kiloji, fonts-dustin (Domestic Manners),
# fonts-havana, fonts-lobster; printed fonts-cabinsketch, fonts-opendyslexic. Left out on
# purpose: capitals-only hands (fonts-bwht, fonts-humor-sans, fonts-tomsontalks: they draw "a" as
# "A", so the label would not match the picture) and outline fonts (fonts-femkeklaver). "test"
# fonts are never used for the train split.
TT = "/usr/share/fonts/truetype"
OT = "/usr/share/fonts/opentype"
FONTS = [
    (f"{TT}/dejavu/DejaVuSans.ttf", "printed", "train"),
    (f"{TT}/dejavu/DejaVuSans-Bold.ttf", "printed", "train"),
    (f"{TT}/dejavu/DejaVuSansCondensed.ttf", "printed", "train"),
    (f"{TT}/dejavu/DejaVuSerif.ttf", "printed", "train"),
    (f"{TT}/dejavu/DejaVuSansMono.ttf", "printed", "train"),
    (f"{TT}/liberation2/LiberationSans-Regular.ttf", "printed", "train"),
    (f"{TT}/liberation2/LiberationSans-Italic.ttf", "printed", "train"),
    (f"{TT}/liberation2/LiberationSerif-Regular.ttf", "printed", "train"),
    (f"{TT}/liberation2/LiberationSerif-Bold.ttf", "printed", "train"),
    (f"{TT}/liberation2/LiberationMono-Regular.ttf", "printed", "train"),
    (f"{OT}/urw-base35/NimbusRoman-Regular.otf", "printed", "train"),
    (f"{OT}/urw-base35/NimbusRoman-Italic.otf", "printed", "train"),
    (f"{OT}/urw-base35/NimbusMonoPS-Regular.otf", "printed", "train"),
    (f"{OT}/urw-base35/NimbusSansNarrow-Regular.otf", "printed", "train"),
    (f"{OT}/urw-base35/URWGothic-Book.otf", "printed", "train"),
    (f"{OT}/urw-base35/URWBookman-Light.otf", "printed", "train"),
    (f"{OT}/urw-base35/P052-Roman.otf", "printed", "train"),
    (f"{OT}/yanone-kaffeesatz/YanoneKaffeesatz-Regular.otf", "printed", "train"),
    (f"{TT}/cabinsketch/CabinSketch-Regular.ttf", "printed", "train"),
    (f"{OT}/opendyslexic/OpenDyslexic-Regular.otf", "printed", "train"),
    (f"{OT}/urw-base35/C059-Roman.otf", "printed", "test"),
    (f"{OT}/urw-base35/C059-Italic.otf", "printed", "test"),
    (f"{OT}/urw-base35/NimbusSans-Regular.otf", "printed", "test"),
    (f"{OT}/urw-base35/NimbusSans-Bold.otf", "printed", "test"),
    (f"{TT}/dejavu/DejaVuSerifCondensed-Italic.ttf", "printed", "test"),
    (f"{TT}/fifthhorseman/dkg.ttf", "handwriting", "train"),
    (f"{TT}/fifthhorseman/dkgBd.ttf", "handwriting", "train"),
    (f"{TT}/fifthhorseman/dkgIt.ttf", "handwriting", "train"),
    (f"{OT}/dancingscript/DancingScript-Regular.otf", "handwriting", "train"),
    (f"{OT}/dancingscript/DancingScript-Bold.otf", "handwriting", "train"),
    (f"{OT}/comic-neue/ComicNeue-Regular.otf", "handwriting", "train"),
    (f"{OT}/comic-neue/ComicNeue-Italic.otf", "handwriting", "train"),
    (f"{OT}/comic-neue/ComicNeue-Bold.otf", "handwriting", "train"),
    (f"{OT}/urw-base35/Z003-MediumItalic.otf", "handwriting", "train"),
    (f"{TT}/breip/Breip.ttf", "handwriting", "train"),
    (f"{TT}/kristi/Kristi.ttf", "handwriting", "train"),
    (f"{TT}/sjfonts/Delphine.ttf", "handwriting", "train"),
    (f"{TT}/sjfonts/SteveHand.ttf", "handwriting", "train"),
    (f"{OT}/lobstertwo/LobsterTwo-Regular.otf", "handwriting", "train"),
    (f"{OT}/lobstertwo/LobsterTwo-Italic.otf", "handwriting", "train"),
    (f"{TT}/ecolier-court/Ecolier-court.ttf", "handwriting", "train"),
    (f"{TT}/leckerli-one/LeckerliOne-Regular.ttf", "handwriting", "train"),
    (f"{TT}/tlwg/Purisa.ttf", "handwriting", "train"),
    (f"{TT}/tlwg/Purisa-Oblique.ttf", "handwriting", "train"),
    (f"{TT}/tlwg/Purisa-Bold.ttf", "handwriting", "train"),
    (f"{TT}/klee/KleeOne-Regular.ttf", "handwriting", "train"),
    (f"{TT}/seto/setofont.ttf", "handwriting", "train"),
    (f"{TT}/kiloji/kiloji_p.ttf", "handwriting", "train"),
    (f"{TT}/dustin/Domestic_Manners.ttf", "handwriting", "train"),
    (f"{OT}/havana/Havana-Regular.otf", "handwriting", "train"),
    (f"{OT}/lobster/lobster.otf", "handwriting", "train"),
    (f"{OT}/kaushanscript/KaushanScript-Regular.otf", "handwriting", "test"),
    (f"{TT}/rufscript/Rufscript010.ttf", "handwriting", "test"),
    (f"{OT}/comic-neue/ComicNeue-LightItalic.otf", "handwriting", "test"),
]
FONT_PACKAGES = ["fonts-dejavu-core", "fonts-dejavu-extra", "fonts-liberation2",
                 "fonts-urw-base35", "fonts-dkg-handwriting", "fonts-dancingscript",
                 "fonts-comic-neue", "fonts-kaushanscript", "fonts-rufscript", "fonts-breip",
                 "fonts-kristi", "fonts-sjfonts", "fonts-lobstertwo", "fonts-ecolier-court",
                 "fonts-leckerli-one", "fonts-yanone-kaffeesatz", "fonts-tlwg-purisa",
                 "fonts-klee", "fonts-seto", "fonts-kiloji", "fonts-dustin", "fonts-havana",
                 "fonts-lobster", "fonts-cabinsketch", "fonts-opendyslexic"]
HANDWRITING_SHARE = 0.4  # default share of lines rendered in a handwriting-style font

# Small hand-written lists of common names and places of the languages in words.txt.
FIRST_NAMES = ("James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William "
               "Susan Sarah Thomas Karen Daniel Nancy Matthew Lisa Emily Jean Marie Pierre "
               "Françoise Jérôme Hélène Benoît Chloé Gaëlle Léa Noël Zoë Céline André Agnès "
               "François René Jürgen Jörg Müller Sören Björn Günter Käthe Uwe Lena Lukas Anna "
               "José María Inés Ángel Lucía Raúl Sofía Núñez Ana Pablo").split()
LAST_NAMES = ("Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore "
              "Jackson Martin Lee Thompson White Harris Clark Lewis Walker Young Allen King "
              "Wright Dubois Lefèvre Moreau Laurent Girard Rousseau Bélanger Fournier Mercier "
              "Lemaître Gauthier Boulanger Schäfer Müller Schröder Köhler Weiß Groß Fischer "
              "Hoffmann Bäcker Meyer Jäger García Martínez López Hernández González Pérez "
              "Sánchez Ramírez Muñoz Peña O'Brien McDonald").split()
CITIES = ("Springfield|Portland|Boston|Chicago|Denver|Seattle|Austin|Toronto|Montréal|Québec|"
          "Paris|Lyon|Marseille|Besançon|Orléans|Nîmes|Genève|Zürich|München|Köln|Düsseldorf|"
          "Nürnberg|Berlin|Hamburg|Lübeck|Madrid|Málaga|Córdoba|León|Bruxelles|Liège|"
          "Saint-Étienne|New York|San José").split("|")
STREET_TYPES = ["Street", "St.", "Avenue", "Ave", "Road", "Rd.", "Lane", "Boulevard", "Drive",
                "rue", "avenue", "chemin", "Straße", "Weg", "Platz", "calle"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]
MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
             "September", "Oktober", "November", "Dezember"]
DOMAINS = ["gmail.com", "example.org", "mail.de", "orange.fr", "outlook.com", "uni-koeln.de",
           "acme.co.uk", "correo.es", "yahoo.fr", "company.com"]
LABELS = {"name": ["Name", "Nom", "Signature"], "address": ["Address", "Adresse", "Anschrift"],
          "date": ["Date", "Datum", "Le"], "amount": ["Total", "Amount", "Betrag", "Montant"],
          "id": ["Ref.", "ID", "No.", "Réf."], "email": ["E-mail", "Courriel"],
          "phone": ["Tel.", "Tél.", "Phone"], "number": ["Qty", "Anzahl", "Qté"]}


def load_words():
    words = {}
    for line in (HERE / "words.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, word = line.split("\t")
            words.setdefault(lang, []).append(word)
    return words


WORDS = load_words()


# ---------------------------------------------------------------- text like form fields
def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def letters(rng, n):
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(n))


def name(rng):
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return rng.choice([f"{first} {last}", f"{last}, {first}", f"{first[0]}. {last}",
                       f"{first} {rng.choice(FIRST_NAMES)[0]}. {last}", f"{last.upper()} {first}",
                       f"{rng.choice(['Mr.', 'Mrs.', 'Dr.', 'M.', 'Mme', 'Herr', 'Frau'])} {last}"])


def address(rng):
    street = rng.choice(WORDS[rng.choice(["en", "fr", "de"])]).capitalize()
    kind = rng.choice(STREET_TYPES)
    number = str(rng.randint(1, 2999))
    if kind in ("rue", "avenue", "chemin"):
        line = f"{number}, {kind} {rng.choice(['de la ', 'des ', 'du ', ''])}{street}"
    elif kind in ("Straße", "Weg", "Platz"):
        line = f"{street}{kind.lower() if rng.random() < 0.5 else ' ' + kind} {number}"
    elif kind == "calle":
        line = f"Calle {street} {number}"
    else:
        line = f"{number} {street} {kind}"
    if rng.random() < 0.5:
        line += rng.choice([f", {digits(rng, 5)} {rng.choice(CITIES)}",
                            f", {rng.choice(CITIES)} {letters(rng, 2)} {digits(rng, 5)}"])
    return line


def date(rng):
    y, m, d = rng.randint(1940, 2035), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([
        f"{d:02d}/{m:02d}/{y}", f"{m:02d}/{d:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}",
        f"{d}.{m}.{y % 100:02d}", f"{d} {MONTHS_EN[m - 1]} {y}", f"{MONTHS_EN[m - 1]} {d}, {y}",
        f"{d} {MONTHS_FR[m - 1]} {y}", f"{d}. {MONTHS_DE[m - 1]} {y}",
        f"{d:02d}-{MONTHS_EN[m - 1][:3]}-{y % 100:02d}", f"{d:02d}/{m:02d}/{y % 100:02d}"])


def amount(rng):
    value = rng.choice([rng.randint(0, 99) + rng.randint(0, 99) / 100,
                        rng.randint(100, 99999) + rng.randint(0, 99) / 100])
    whole, cents = int(value), round((value - int(value)) * 100)
    us = f"{whole:,}.{cents:02d}"
    eu = f"{whole:,}".replace(",", rng.choice([".", " "])) + f",{cents:02d}"
    return rng.choice([f"${us}", f"{us} USD", f"£{us}", f"{eu} €", f"€ {eu}", f"EUR {eu}",
                       f"{eu} EUR", f"CHF {us}", us, eu, f"{whole},-", f"{whole} €"])


def identifier(rng):
    return rng.choice([
        f"{letters(rng, 2)}-{digits(rng, 5)}", f"INV-{rng.randint(2015, 2030)}-{digits(rng, 4)}",
        f"{digits(rng, 3)}-{digits(rng, 2)}-{digits(rng, 4)}", f"No. {digits(rng, 6)}",
        f"N° {digits(rng, 4)}/{letters(rng, 1)}", f"{letters(rng, 3)}{digits(rng, 6)}",
        f"FR{digits(rng, 2)} {digits(rng, 4)} {digits(rng, 4)} {digits(rng, 4)}",
        f"DE{digits(rng, 2)} {digits(rng, 4)} {digits(rng, 4)}", f"#{digits(rng, 5)}",
        f"{letters(rng, 1)}{digits(rng, 2)}-{letters(rng, 3)}-{digits(rng, 3)}"])


def ascii_fold(text):
    # E-mail addresses are ASCII: accents dropped (NFKD, then the combining marks).
    text = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(c for c in text if c.isascii() and c.isalnum())


def email(rng):
    first, last = ascii_fold(rng.choice(FIRST_NAMES)), ascii_fold(rng.choice(LAST_NAMES))
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{digits(rng, 2)}",
                        f"{last}_{first}", f"info", f"{first}-{last}"])
    return f"{local}@{rng.choice(DOMAINS)}"


def phone(rng):
    return rng.choice([
        f"+1 ({digits(rng, 3)}) {digits(rng, 3)}-{digits(rng, 4)}",
        f"({digits(rng, 3)}) {digits(rng, 3)}-{digits(rng, 4)}",
        f"0{rng.randint(1, 9)} {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)}",
        f"+33 {rng.randint(1, 9)} {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)}",
        f"+49 {digits(rng, 2)} {digits(rng, 7)}", f"0{digits(rng, 3)}/{digits(rng, 6)}",
        f"+44 {digits(rng, 4)} {digits(rng, 6)}"])


def free_words(rng):
    lang = rng.choices(["en", "fr", "de"], weights=[2, 1, 1])[0]
    words = [rng.choice(WORDS[lang]) for _ in range(rng.randint(1, 5))]
    if rng.random() < 0.3:
        words[0] = words[0].capitalize()
    if rng.random() < 0.1:
        words = [w.upper() for w in words]
    text = " ".join(words)
    if rng.random() < 0.2:
        text += rng.choice([".", ",", ";", ":", "!", "?", " -", "."])
    return text


def number(rng):
    return rng.choice([str(rng.randint(0, 999)), f"{rng.randint(1, 99)} %",
                       f"{rng.randint(1, 500)} kg", f"{rng.randint(1, 12)} x {rng.randint(1, 99)}",
                       rng.choice(["Yes", "No", "Oui", "Non", "Ja", "Nein", "X", "N/A"])])


KINDS = {"name": name, "address": address, "date": date, "amount": amount, "id": identifier,
         "email": email, "phone": phone, "words": free_words, "number": number}
KIND_WEIGHTS = {"name": 3, "address": 2, "date": 2, "amount": 2, "id": 2, "email": 1,
                "phone": 1, "words": 4, "number": 1}


def field_text(rng, kind=None, labels=True):
    kind = kind or rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    text = KINDS[kind](rng)
    if labels and kind != "words" and rng.random() < 0.08:
        text = f"{rng.choice(LABELS[kind])}: {text}"
    return kind, text


# ---------------------------------------------------------------- fonts
class Font:
    """A font file and the characters it really draws (a missing glyph draws .notdef)."""

    def __init__(self, path, style, split):
        self.path, self.style, self.split = path, style, split
        self.name = pathlib.Path(path).stem
        self._sizes = {}
        self._missing = set()
        self._known = set(" ")
        self._notdef = self._ink("\ue000")  # a private-use character: no font here has it

    def _ink(self, ch):
        canvas = Image.new("L", (96, 96))
        ImageDraw.Draw(canvas).text((24, 24), ch, font=self.at(40), fill=255)
        return canvas.tobytes()

    def size_for(self, ink_height):
        """The point size whose "Hg" box (cap height to descender) is `ink_height` px high:
        script fonts are small for their size, and a field is filled to a height, not a size."""
        if not hasattr(self, "_hg"):
            left, top, right, bottom = self.at(100).getbbox("Hg")
            self._hg = max(1, bottom - top) / 100
        return max(8, round(ink_height / self._hg))

    def at(self, size):
        if size not in self._sizes:
            self._sizes[size] = ImageFont.truetype(self.path, size)
        return self._sizes[size]

    def covers(self, text):
        for ch in set(text) - self._known:
            if ch in self._missing:
                return False
            mask = self._ink(ch)
            if mask == self._notdef or not any(mask):
                self._missing.add(ch)
                return False
            self._known.add(ch)
        return True


def load_fonts(split):
    fonts = []
    for path, style, font_split in FONTS:
        if font_split != split:
            continue
        if not pathlib.Path(path).exists():
            sys.exit(f"synth.py: font {path} is missing: install the Debian packages "
                     f"{' '.join(FONT_PACKAGES)} (see tools/synth/README.md)")
        fonts.append(Font(path, style, font_split))
    return fonts


def pick_font(rng, fonts, text, handwriting_share=HANDWRITING_SHARE):
    style = "handwriting" if rng.random() < handwriting_share else "printed"
    candidates = [f for f in fonts if f.style == style] or fonts
    for _ in range(8):
        font = rng.choice(candidates)
        if font.covers(text):
            return font
    return None


# ---------------------------------------------------------------- rendering and noise
INKS = [(0, 0, 0), (20, 20, 20), (40, 40, 60), (15, 30, 110), (30, 30, 30), (60, 60, 60)]


# The field boxes' shape the lines imitate: the bundled model reads 32 x 384 strips (12:1), and
# a form's box is usually wider than what is written in it.
BOX_ASPECT = 12.0


def box_width(rng, text_width, height):
    """The crop's width: a tight crop (a quarter of lines), or a box of the model's 12:1 shape
    (most), or of some aspect in between, never narrower than the text."""
    roll = rng.random()
    if roll < 0.25:
        return text_width
    aspect = BOX_ASPECT * rng.uniform(0.9, 1.0) if roll < 0.85 else \
        rng.uniform(text_width / height, BOX_ASPECT)
    return max(text_width, int(aspect * height))


def glyph_layout(rng, font, text, size):
    """Each character on its own: its own size (±12 %), height on the line (±5 % of the size)
    and advance (-8..+12 %), as a hand writes no two letters alike. Returns (character, face,
    x, dy) per character on a baseline at y = 0, and the ink box of them all."""
    glyphs, x = [], 0.0
    for ch in text:
        face = font.at(max(8, round(size * rng.uniform(0.88, 1.12))))
        glyphs.append((ch, face, x, size * rng.uniform(-0.05, 0.05)))
        x += face.getlength(ch) * rng.uniform(0.92, 1.12)
    boxes = [(gx + b[0], dy + b[1], gx + b[2], dy + b[3])
             for ch, face, gx, dy in glyphs if not ch.isspace()
             for b in [face.getbbox(ch, anchor="ls")]]
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
           max(b[3] for b in boxes))
    return glyphs, tuple(round(v) for v in box)


def field_box(rng, ink_width, ink_height, size, pad_x_range, pad_y_range):
    """Where ink of this extent sits in a form field's box: padding around it (fractions of the
    letter `size`), the box's width (box_width), and the ink's left edge: from the left
    (mostly) or centred. Returns the box's width and height and the ink's top-left corner."""
    pad_x = int(size * rng.uniform(*pad_x_range))
    pad_y = int(size * rng.uniform(*pad_y_range))
    text_width, full = ink_width + 2 * pad_x, ink_height + 2 * pad_y
    width = box_width(rng, text_width, full)
    x = pad_x if rng.random() < 0.75 else pad_x + (width - text_width) // 2
    return width, full, x, pad_y


def render_text(rng, font, text, height, glyph_jitter=False):
    """Text drawn in dark ink on light paper, about `height` px of ink-box height, RGB, placed
    in a box as a form field would hold it: from the left (mostly) or centred. `glyph_jitter`
    draws it character by character (glyph_layout)."""
    size = font.size_for(height * rng.uniform(0.7, 0.9))
    face = font.at(size)
    if glyph_jitter:
        glyphs, (left, top, right, bottom) = glyph_layout(rng, font, text, size)
    else:
        left, top, right, bottom = face.getbbox(text)
    width, full, x, y = field_box(rng, right - left, bottom - top, size, (0.2, 0.8), (0.15, 0.45))
    paper = rng.randint(225, 255)
    image = Image.new("RGB", (width, full), (paper, paper, paper))
    draw = ImageDraw.Draw(image)
    ink = rng.choice(INKS)
    if glyph_jitter:
        for ch, glyph_face, gx, dy in glyphs:
            draw.text((x - left + gx, y - top + dy), ch, font=glyph_face, fill=ink, anchor="ls")
    else:
        draw.text((x - left, y - top), text, font=face, fill=ink)
    return image, (paper, paper, paper)


def render_strokes(rng, hand, text, height):
    """`text` in a stroke hand (hershey.py), boxed like render_text boxes a font's text."""
    paper = rng.randint(225, 255)
    ink = rng.choice(INKS)
    ink_image = hand.render(rng, text, height * rng.uniform(0.7, 0.9), (paper,) * 3, ink)
    size = ink_image.height
    width, full, x, y = field_box(rng, ink_image.width, size, size, (0.15, 0.6), (0.1, 0.35))
    image = Image.new("RGB", (width, full), (paper, paper, paper))
    image.paste(ink_image, (x, y))
    return image, (paper, paper, paper)


def stroke_width(rng, image):
    """A thicker or thinner pen: grey-scale erosion/dilation of the ink (dark on light)."""
    roll = rng.random()
    if roll < 0.2:
        return image.filter(ImageFilter.MinFilter(3))  # ink spreads: a felt-tip or pressed pen
    if roll < 0.3 and image.height >= 48:
        return image.filter(ImageFilter.MaxFilter(3))  # a fine pen (only where strokes survive)
    return image


def hand_warp(rng, image, fill):
    """The unevenness of a hand: the baseline drifts up and down and the letters' spacing
    stretches and shrinks along the line. Both are smooth waves of random period and phase, so
    strokes bend but never break; a font draws every "e" alike, a writer does not."""
    rgb = np.asarray(image, dtype=np.float32)
    h, w = rgb.shape[:2]
    x = np.arange(w, dtype=np.float32)
    period = rng.uniform(1.5, 6.0) * h
    drift = rng.uniform(0.0, 0.06) * h * np.sin(2 * np.pi * x / period + rng.uniform(0, 2 * np.pi))
    spacing_period = rng.uniform(0.8, 3.0) * h
    # u(x) = x + a sin(...) has slope 1 + a k cos(...): with a k <= 0.2 the map stays monotone.
    a = rng.uniform(0.0, 0.2) * spacing_period / (2 * np.pi)
    u = x + a * np.sin(2 * np.pi * x / spacing_period + rng.uniform(0, 2 * np.pi))
    v = np.arange(h, dtype=np.float32)[:, None] + drift[None, :]
    u = np.broadcast_to(u[None, :], (h, w))
    x0, y0 = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    fx, fy = (u - x0)[..., None], (v - y0)[..., None]
    canvas = np.empty((h + 2, w + 2, rgb.shape[2]), dtype=np.float32)
    canvas[...] = np.asarray(fill, dtype=np.float32)  # outside the picture: paper
    canvas[1:-1, 1:-1] = rgb
    x0, y0 = np.clip(x0 + 1, 0, w), np.clip(y0 + 1, 0, h)
    top = canvas[y0, x0] * (1 - fx) + canvas[y0, x0 + 1] * fx
    bottom = canvas[y0 + 1, x0] * (1 - fx) + canvas[y0 + 1, x0 + 1] * fx
    warped = top * (1 - fy) + bottom * fy
    return Image.fromarray(np.clip(warped, 0, 255).astype(np.uint8), "RGB")


def add_field_lines(rng, image):
    """Box lines, an underline or comb ticks, as the form's printed field would have."""
    draw = ImageDraw.Draw(image)
    w, h = image.size
    grey = rng.randint(0, 120)
    colour = (grey, grey, grey)
    thickness = rng.randint(1, 2)
    roll = rng.random()
    if roll < 0.25:  # a full box, edges a few pixels off the text
        inset = rng.randint(0, 2)
        draw.rectangle([inset, inset, w - 1 - inset, h - 1 - inset], outline=colour, width=thickness)
    elif roll < 0.5:  # an underline, the writer's baseline
        y = h - 1 - rng.randint(0, max(1, h // 8))
        draw.line([(0, y), (w, y)], fill=colour, width=thickness)
    elif roll < 0.6:  # bits of the neighbouring boxes' edges
        for x in (rng.randint(0, 3), w - 1 - rng.randint(0, 3)):
            draw.line([(x, 0), (x, h)], fill=colour, width=thickness)
    elif roll < 0.65:  # a dotted leader line
        y = h - 1 - rng.randint(1, max(2, h // 6))
        for x in range(0, w, 4):
            draw.point((x, y), fill=colour)
    return image


def shear_and_rotate(rng, image, fill):
    """Slant and tilt; uncovered corners get the paper colour (a box line there would be ink)."""
    w, h = image.size
    shear = rng.uniform(-0.25, 0.25) if rng.random() < 0.5 else 0.0
    if shear:
        # x' = x + shear * (y - h/2): italic-like slant, canvas widened to keep every pixel.
        extra = int(abs(shear) * h) + 1
        wide = Image.new("RGB", (w + extra, h), fill)
        wide.paste(image, (extra // 2, 0))
        image = wide.transform(wide.size, Image.AFFINE, (1, shear, -shear * h / 2, 0, 1, 0),
                               resample=Image.BILINEAR, fillcolor=fill)
    angle = rng.uniform(-2.0, 2.0)
    if abs(angle) > 0.1:
        image = image.rotate(angle, resample=Image.BILINEAR, expand=True,
                             fillcolor=fill)
    return image


def scan(rng, image):
    """Blur, speckle, grey noise and, often, the hard threshold of a scanned, binarised form."""
    gray = image.convert("L")
    if rng.random() < 0.5:
        gray = gray.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.1)))
    pixels = np.asarray(gray, dtype=np.float32)
    nprng = np.random.default_rng(rng.getrandbits(63))
    if rng.random() < 0.6:
        pixels = pixels + nprng.normal(0.0, rng.uniform(2, 12), pixels.shape)
    if rng.random() < 0.4:
        threshold = rng.uniform(110, 180)
        pixels = np.where(pixels < threshold, 0.0, 255.0)
    if rng.random() < 0.35:  # speckle: dust and toner dots
        amount = rng.uniform(0.001, 0.01)
        dots = nprng.random(pixels.shape)
        pixels = np.where(dots < amount / 2, 0.0, pixels)
        pixels = np.where(dots > 1 - amount / 2, 255.0, pixels)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")


def make_line(rng, fonts, handwriting_share, distort=False, hands=(), stroke_share=0.0):
    """One field line. `distort` (training lines only, so the held-out set made by earlier
    versions is made again byte for byte) adds a pen of other widths and a hand's unevenness.
    A `stroke_share` of the handwriting-style lines is drawn by the stroke `hands` instead of a
    font (no random number is drawn for it when the share is 0: earlier data stay the same)."""
    while True:
        kind, text = field_text(rng)
        if len(text) > 48 or not text.strip():
            continue
        font = pick_font(rng, fonts, text, handwriting_share)
        if font is not None:
            break
    height = rng.randint(32, 64)
    hand = None
    if stroke_share > 0 and font.style == "handwriting" and rng.random() < stroke_share:
        covering = [h for h in hands if h.covers(text)]
        hand = rng.choice(covering) if covering else None
    if hand is not None:
        font = hand
        image, paper = render_strokes(rng, hand, text, rng.randint(36, 72))
    else:
        # Half the handwriting-style training lines character by character (no-one writes a
        # font).
        jitter = distort and font.style == "handwriting" and rng.random() < 0.5
        image, paper = render_text(rng, font, text, rng.randint(36, 72), jitter)
    if distort:
        image = stroke_width(rng, image)
        if rng.random() < (0.7 if font.style == "handwriting" else 0.3):
            image = hand_warp(rng, image, paper)
    image = add_field_lines(rng, image)
    image = shear_and_rotate(rng, image, paper)
    image = scan(rng, image)
    w, h = image.size
    image = image.resize((max(8, round(w * height / h)), height), Image.LANCZOS)
    return image, text, font, kind


def write_lines(args):
    rng = random.Random(args.seed)
    fonts = load_fonts(args.split)
    hands = []
    if args.stroke_share > 0:
        try:
            hands = hershey.load_hands()
        except FileNotFoundError as error:
            sys.exit(f"synth.py: {error}")
    out = pathlib.Path(args.output)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(args.count):
        image, text, font, kind = make_line(rng, fonts, args.handwriting_share,
                                            distort=args.split == "train", hands=hands,
                                            stroke_share=args.stroke_share)
        name = f"images/{i:06d}.png"
        image.save(out / name, optimize=False)
        rows.append([name, text, font.name, font.style, kind])
        if (i + 1) % 500 == 0:
            print(f"{i + 1}/{args.count}", file=sys.stderr)
    tmp = out / (args.labels + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file_name", "text", "font", "style", "kind"])
        writer.writerows(rows)
    tmp.replace(out / args.labels)
    print(f"{out}/{args.labels}: {len(rows)} lines ({args.split} fonts)")


# ---------------------------------------------------------------- filled forms
# What each of the template's 18 boxes (reading order) holds: a plausible form.
FORM_FIELDS = ["date", "name", "id", "number", "phone", "address", "words", "number", "email",
               "address", "words", "amount", "date", "number", "id", "amount", "words", "name"]


def load_boxes(path):
    return json.loads(pathlib.Path(path).read_text())["boxes"]


def fit_text(rng, fonts, kind, box, writer):
    """Text of `kind` that fits the box, in the form's one font (`writer`: one typewriter or one
    hand fills a form) or, for a character it lacks, another font of the same style."""
    others = [f for f in fonts if f.style == writer.style and f is not writer] or fonts
    for attempt in range(40):
        _, text = field_text(rng, kind if attempt < 30 else "number", labels=False)
        font = writer if writer.covers(text) else rng.choice(others)
        if not font.covers(text):
            continue
        face = font.at(font.size_for(min(box["h"] * rng.uniform(0.55, 0.75), 44)))
        left, top, right, bottom = face.getbbox(text)
        if right - left <= box["w"] - 20 and bottom - top <= box["h"] - 6:
            return text, font, face, (left, top, right, bottom)
    return None


def render_form(rng, fonts, template_path, boxes):
    template = Image.open(template_path).convert("RGBA")
    rgba = np.asarray(template).astype(np.int32)
    red = (rgba[..., 0] >= 150) & (rgba[..., 1] <= 110) & (rgba[..., 2] <= 110) & (rgba[..., 3] >= 32)
    page = np.full(red.shape, 255, dtype=np.uint8)
    page[red] = 0  # the printed form: the field outlines in black
    image = Image.fromarray(page, "L").convert("RGB")
    draw = ImageDraw.Draw(image)
    style = "handwriting" if rng.random() < 0.5 else "printed"
    writer = rng.choice([f for f in fonts if f.style == style] or fonts)
    ink = rng.choice(INKS)
    fields = []
    for number, (box, kind) in enumerate(zip(boxes, FORM_FIELDS), start=1):
        found = fit_text(rng, fonts, kind, box, writer)
        if found is None:
            fields.append(dict(field=number, box=box, text="", kind=kind, font=None))
            continue
        text, font, face, (left, top, right, bottom) = found
        slack = box["w"] - (right - left) - 20  # >= 0: 10 px kept clear on either side
        x = box["x"] + 10 + rng.randint(0, slack // 3)
        y = box["y"] + (box["h"] - (bottom - top)) // 2 + rng.randint(-2, 2)
        draw.text((x - left, y - top), text, font=face, fill=ink)
        fields.append(dict(field=number, box=box, text=text, kind=kind, font=font.name))
    # The scan: slightly shifted and rotated against the template, then noise and binarisation.
    angle, dx, dy = rng.uniform(-1.0, 1.0), rng.randint(-12, 12), rng.randint(-8, 8)
    image = image.rotate(angle, resample=Image.BILINEAR, translate=(dx, dy), fillcolor=(255,) * 3)
    gray = image.convert("L").filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.6)))
    pixels = np.asarray(gray, dtype=np.float32)
    nprng = np.random.default_rng(rng.getrandbits(63))
    pixels = pixels + nprng.normal(0, 10, pixels.shape)
    pixels = np.where(pixels < rng.uniform(160, 200), 0, 255)
    dots = nprng.random(pixels.shape)
    pixels = np.where(dots < 0.0003, 0, pixels)
    page = Image.fromarray(pixels.astype(np.uint8), "L")
    return page, fields, dict(rotation_deg=angle, shift_px=[dx, dy], style=style,
                              font=writer.name)


def write_forms(args):
    rng = random.Random(args.seed)
    fonts = load_fonts(args.split)
    boxes = load_boxes(args.boxes)
    if len(boxes) != len(FORM_FIELDS):
        sys.exit(f"synth.py: {args.boxes} has {len(boxes)} boxes, the form layout expects "
                 f"{len(FORM_FIELDS)}")
    out = pathlib.Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(args.count):
        page, fields, scan_info = render_form(rng, fonts, args.template, boxes)
        stem = f"form_{i:03d}"
        page.save(out / f"{stem}.png")
        template = pathlib.Path(args.template).resolve()
        if template.is_relative_to(ROOT):
            template = template.relative_to(ROOT)
        truth = dict(image=f"{stem}.png", template=str(template), seed=args.seed,
                     split=args.split, scan=scan_info, fields=fields)
        tmp = out / f"{stem}.json.tmp"
        tmp.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tmp.replace(out / f"{stem}.json")
    print(f"{out}: {args.count} filled form(s) with ground truth (form_NNN.png / .json)")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", required=True, help="folder to write into (created)")
    parser.add_argument("--count", type=int, default=1000, help="lines (or forms) to make")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same output")
    parser.add_argument("--split", choices=["train", "test"], default="train",
                        help="which fonts: the training fonts or the held-out test fonts")
    parser.add_argument("--labels", default="metadata.csv",
                        help="name of the CSV written in OUTPUT (default metadata.csv, which also "
                             "makes OUTPUT itself a dataset for mlxocr)")
    parser.add_argument("--form", action="store_true",
                        help="render filled, scanned-looking forms instead of lines")
    parser.add_argument("--template", default=str(ROOT / "tests/fixtures/forms/00_template.png"),
                        help="form template, fields outlined in red (--form)")
    parser.add_argument("--boxes", default=str(ROOT / "tests/fixtures/forms/template_boxes.json"),
                        help="the template's field boxes in reading order (--form)")
    parser.add_argument("--handwriting-share", type=float, default=HANDWRITING_SHARE,
                        help="share of lines in a handwriting-style font (default %(default)s)")
    parser.add_argument("--stroke-share", type=float, default=0.0,
                        help="share of the handwriting-style training lines drawn as pen strokes "
                             "in a new hand each (Hershey fonts, hershey.py) instead of a font "
                             "(default %(default)s)")
    parser.add_argument("--list-fonts", action="store_true", help="print the font split and exit")
    args = parser.parse_args()
    if args.list_fonts:
        for path, style, split in FONTS:
            print(f"{split:5}  {style:11}  {path}")
        return
    if args.count < 1:
        sys.exit("synth.py: --count must be at least 1")
    if not 0 <= args.handwriting_share <= 1:
        sys.exit("synth.py: --handwriting-share must be between 0 and 1")
    if not 0 <= args.stroke_share <= 1:
        sys.exit("synth.py: --stroke-share must be between 0 and 1")
    if args.stroke_share > 0 and args.split != "train":
        sys.exit("synth.py: --stroke-share draws training hands only (--split train)")
    (write_forms if args.form else write_lines)(args)


if __name__ == "__main__":
    main()
