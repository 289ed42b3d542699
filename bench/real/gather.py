#!/usr/bin/env python3
"""Rebuild the real-scan evaluation set (bench/real/) from bare git mirrors of its sources.

    python3 bench/real/gather.py --mirrors /work/.mirror [--out bench/real] [--funsd]

Never run by the test command; the set it writes is committed (bench/real/SOURCES.md lists every
file, its repository, commit and licence). MIRRORS holds one bare mirror per repository as
OWNER+NAME/repo (what the session tool `fetch` writes; `git clone --mirror URL
MIRRORS/OWNER+NAME/repo` makes the same). Files are read with `git show COMMIT:PATH` at the pinned
commits below, so a rebuild gives the same bytes.

What it writes (each set: evaluation only, never training or choosing checkpoints). Committed,
from repositories whose licence allows it (SOURCES.md):
  lines/printed/*.png + .gt.txt   real scanned printed lines: UW-III (from Calamari's tests) and
                                  lines cut from two UNLV magazine pages (Tesseract's tests)
  pages/NAME.{tif,png} + NAME.json  real pages with ground truth: lines (bbox, polygon, text,
                                  order, region) from PAGE XML, or zones + text (UNLV pages)
Not committed (local/, in .gitignore: their repositories state no licence, or only research use):
  local/lines/photo/              lines cut from a camera photo of a book page (OCR-D assets'
                                  page_dewarp sample) and halved; boxes and text from the
                                  committed photo_lines.tsv, transcribed by eye for this set
  local/pages/kant-*              two 1784 pages with PAGE XML line ground truth (OCR-D assets)
  local/lines/funsd/ (--funsd)    short form fields cut from FUNSD's test forms (FUNSD: free for
                                  research and education, not for redistribution here), and
  local/lines/handwritten/        those of them written by hand (funsd_handwritten.tsv)

Needs Python 3 with Pillow and NumPy (the project's .venv has both: python/requirements-dev.txt)
and git.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

CALAMARI = ("Calamari-OCR/calamari", "4071d137a5c96fe2a2f91052ae2a2f540593edad")
OCRD = ("OCR-D/assets", "d004ab7211fb3d57801e783b184a7ded1e2f5e4b")
TESSTEST = ("tesseract-ocr/test", "232ff181c66516116ec0e84c4963f70de15050fd")
# FUNSD's full test split is stored in this repository's history only (later commits replaced it).
FUNSD = ("brigs1/Neocustom", "0399cb6")

UW3 = "calamari_ocr/test/data/uw3_50lines"
PHOTO = "data/page_dewarp/data/OCR-D-IMG/OCR-D-IMG-boston_cooking_a.jpg"

# name: (source, image path, PAGE XML path); OCR-D/assets states no licence: its pages go to local/.
PAGE_XML_PAGES = {
    "kant-0017": (OCRD, "data/kant_aufklaerung_1784/data/OCR-D-IMG/INPUT_0017.tif",
                  "data/kant_aufklaerung_1784/data/OCR-D-GT-PAGE/PAGE_0017_PAGE.xml"),
    "kant-0020": (OCRD, "data/kant_aufklaerung_1784/data/OCR-D-IMG/INPUT_0020.tif",
                  "data/kant_aufklaerung_1784/data/OCR-D-GT-PAGE/PAGE_0020_PAGE.xml"),
    "avicanon-006": (CALAMARI, "calamari_ocr/test/data/avicanon_pagexml/006.mono.png",
                     "calamari_ocr/test/data/avicanon_pagexml/006.xml"),
    "avicanon-007": (CALAMARI, "calamari_ocr/test/data/avicanon_pagexml/007.mono.png",
                     "calamari_ocr/test/data/avicanon_pagexml/007.xml"),
}
# UNLV magazine pages and Tesseract's own test pages: page text, and for UNLV the zones (.uzn).
TEXT_PAGES = {
    "unlv-8071_093": ("testing/8071_093.3B.tif", "testing/8071_093.3B.txt", "testing/8071_093.3B.uzn"),
    "unlv-8087_054": ("testing/8087_054.3B.tif", "testing/8087_054.3B.txt", "testing/8087_054.3B.uzn"),
    "phototest": ("testing/phototest.tif", "testing/phototest.txt", None),
    "eurotext": ("testing/eurotext.tif", "testing/eurotext.txt", None),
}


def git_show(mirrors, source, path):
    repo, commit = source
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    return subprocess.run(["git", "-C", str(git_dir), "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def gather_uw3(mirrors, out):
    listing = subprocess.run(
        ["git", "-C", str(mirrors / "Calamari-OCR+calamari" / "repo"), "ls-tree", "-r",
         "--name-only", CALAMARI[1], UW3], check=True, capture_output=True, text=True).stdout
    count = 0
    for path in sorted(p for p in listing.split() if p.endswith(".bin.png")):
        split, stem = path.split("/")[-2], path.split("/")[-1][: -len(".bin.png")]
        name = f"uw3-{split}-{stem}"
        write(out / "lines/printed" / f"{name}.png", git_show(mirrors, CALAMARI, path))
        text = git_show(mirrors, CALAMARI, path[: -len(".bin.png")] + ".gt.txt").decode("utf-8")
        write(out / "lines/printed" / f"{name}.gt.txt", text.strip("\n") + "\n")
        count += 1
    return count


def gather_photo_lines(mirrors, out):
    """Cuts the lines listed in photo_lines.tsv (box on the photo turned upright) from the photo."""
    from io import BytesIO
    from PIL import Image
    photo = Image.open(BytesIO(git_show(mirrors, OCRD, PHOTO))).convert("L")
    upright = photo.transpose(Image.Transpose.ROTATE_270)
    count = 0
    for row in (out / "photo_lines.tsv").read_text(encoding="utf-8").splitlines():
        if not row or row.startswith("#"):
            continue
        name, x0, y0, x1, y1, text = row.split("\t")
        crop = upright.crop((int(x0), int(y0), int(x1), int(y1)))
        # The photo is about 400 dpi at the page; half of it is still above 200 dpi.
        crop = crop.resize((crop.width // 2, crop.height // 2), Image.Resampling.LANCZOS)
        (out / "local/lines/photo").mkdir(parents=True, exist_ok=True)
        crop.save(out / "local/lines/photo" / f"{name}.png", optimize=True)
        write(out / "local/lines/photo" / f"{name}.gt.txt", text + "\n")
        count += 1
    return count


def page_xml_lines(xml_bytes):
    """Lines of a PAGE XML file in reading order: [{id, region, order, polygon, bbox, text}]."""
    root = ET.fromstring(xml_bytes)
    ns = {"p": root.tag[1: root.tag.index("}")]}
    page = root.find("p:Page", ns)
    regions = {r.get("id"): r for r in page.iter(f"{{{ns['p']}}}TextRegion")}
    ordered = [ref.get("regionRef") for ref in sorted(
        page.iterfind(".//p:ReadingOrder//p:RegionRefIndexed", ns), key=lambda r: int(r.get("index")))]
    # Regions the reading order leaves out follow in document order.
    ordered = [r for r in ordered if r in regions] + [r for r in regions if r not in ordered]
    lines, region_boxes = [], []
    for region_id in ordered:
        region = regions[region_id]
        region_boxes.append({"id": region_id, "type": region.get("type", ""),
                             "bbox": bbox(polygon(region.find("p:Coords", ns)))})
        for line in region.findall("p:TextLine", ns):
            points = polygon(line.find("p:Coords", ns))
            lines.append({"id": line.get("id"), "region": region_id, "order": len(lines),
                          "bbox": bbox(points), "polygon": points, "text": line_text(line, ns)})
    size = (int(page.get("imageWidth")), int(page.get("imageHeight")))
    return lines, region_boxes, size


def polygon(coords):
    return [[int(v) for v in p.split(",")] for p in coords.get("points").split()]


def bbox(points):
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [min(xs), min(ys), max(xs) + 1, max(ys) + 1]


def line_text(line, ns):
    """The line's own TextEquiv with the lowest index (PAGE's convention for ground truth)."""
    equivs = line.findall("p:TextEquiv", ns)
    if not equivs:
        return ""
    best = min(equivs, key=lambda e: int(e.get("index", "0")))
    unicode = best.find("p:Unicode", ns)
    return " ".join((unicode.text or "").split()) if unicode is not None else ""


def gather_page_xml_pages(mirrors, out):
    from io import BytesIO
    from PIL import Image
    for name, (source, image_path, xml_path) in PAGE_XML_PAGES.items():
        image = git_show(mirrors, source, image_path)
        suffix = pathlib.Path(image_path).suffix
        folder = out / ("local/pages" if source == OCRD else "pages")
        write(folder / f"{name}{suffix}", image)
        lines, regions, size = page_xml_lines(git_show(mirrors, source, xml_path))
        actual = Image.open(BytesIO(image)).size
        if actual != size:
            sys.exit(f"{image_path}: image is {actual}, its PAGE XML says {size}")
        truth = {"image": f"{name}{suffix}", "width": size[0], "height": size[1],
                 "source": {"repo": source[0], "commit": source[1], "image": image_path,
                            "ground_truth": xml_path},
                 "regions": regions, "lines": [l for l in lines if l["text"]],
                 "text": "\n".join(l["text"] for l in lines if l["text"])}
        write(folder / f"{name}.json", json.dumps(truth, ensure_ascii=False, indent=1) + "\n")


def gather_text_pages(mirrors, out):
    for name, (image_path, text_path, zones_path) in TEXT_PAGES.items():
        write(out / "pages" / f"{name}.tif", git_show(mirrors, TESSTEST, image_path))
        text = git_show(mirrors, TESSTEST, text_path).decode("utf-8", errors="replace")
        zones = []
        if zones_path:
            for row in git_show(mirrors, TESSTEST, zones_path).decode().splitlines():
                fields = row.split(None, 4)
                if len(fields) == 5:
                    x, y, w, h = (int(v) for v in fields[:4])
                    zones.append({"bbox": [x, y, x + w, y + h], "type": fields[4].strip()})
        truth = {"image": f"{name}.tif",
                 "source": {"repo": TESSTEST[0], "commit": TESSTEST[1], "image": image_path,
                            "ground_truth": text_path, "zones": zones_path},
                 "regions": zones, "lines": [], "text": text.strip("\n")}
        write(out / "pages" / f"{name}.json", json.dumps(truth, ensure_ascii=False, indent=1) + "\n")


def gather_unlv_lines(out):
    """Printed lines cut from the two UNLV magazine pages: their ground truth keeps the page's line
    breaks, zone by zone (.uzn order, zones parted by two empty lines), so each zone's ink bands
    (a row projection; bands of touching lines split evenly by the zone's line pitch) pair with
    its text lines when the counts agree. Zones where they don't, and lines with UNLV's reject
    mark "~", are left out."""
    import numpy as np
    from PIL import Image
    count = 0
    for name in ("unlv-8071_093", "unlv-8087_054"):
        truth = json.loads((out / "pages" / f"{name}.json").read_text(encoding="utf-8"))
        image = Image.open(out / "pages" / truth["image"]).convert("L")
        ink = np.asarray(image) < 128
        blocks = [b for b in truth["text"].split("\n\n\n") if b.strip()]
        for zone_index, (zone, block) in enumerate(zip(truth["regions"], blocks)):
            texts = [" ".join(line.split()) for line in block.split("\n") if line.strip()]
            x0, y0, x1, y1 = zone["bbox"]
            bands = ink_bands(ink[y0:y1, x0:x1], len(texts))
            if len(bands) != len(texts):
                continue
            for line_index, ((top, bottom), text) in enumerate(zip(bands, texts)):
                if "~" in text:
                    continue
                columns = np.flatnonzero(ink[y0 + top:y0 + bottom, x0:x1].any(axis=0))
                box = (x0 + int(columns[0]) - 6, y0 + top - 4, x0 + int(columns[-1]) + 7,
                       y0 + bottom + 4)
                stem = f"{name}-z{zone_index:02d}-l{line_index:02d}"
                (out / "lines/printed").mkdir(parents=True, exist_ok=True)
                image.crop(box).save(out / "lines/printed" / f"{stem}.png", optimize=True)
                write(out / "lines/printed" / f"{stem}.gt.txt", text + "\n")
                count += 1
    return count


def ink_bands(ink, expected):
    """Row bands with ink (gaps under 3 px closed, bands under 8 px dropped); bands of several
    touching lines split evenly when that makes the expected count."""
    rows = ink.sum(axis=1) > max(2, 0.01 * ink.shape[1])
    bands, start = [], None
    for i, on in enumerate(list(rows) + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            if bands and start - bands[-1][1] < 3:
                bands[-1] = (bands[-1][0], i)
            else:
                bands.append((start, i))
            start = None
    bands = [b for b in bands if b[1] - b[0] >= 8]
    if len(bands) == expected or not bands or not expected:
        return bands
    pitch = (bands[-1][1] - bands[0][0]) / expected
    split = []
    for top, bottom in bands:
        parts = max(1, round((bottom - top) / pitch))
        split += [(top + (bottom - top) * k // parts, top + (bottom - top) * (k + 1) // parts)
                  for k in range(parts)]
    return split


def gather_funsd(mirrors, out, questions_per_form=4, max_height=40):
    """Single-line FUNSD entities from the test forms, padded by 4 px: every answer (what was
    filled in) and the first few questions (the printed labels) of each form."""
    from io import BytesIO
    from PIL import Image
    listing = subprocess.run(
        ["git", "-C", str(mirrors / "brigs1+Neocustom" / "repo"), "ls-tree", "--name-only",
         FUNSD[1], "dataset/testing_data/images/"], check=True, capture_output=True, text=True)
    handwritten = {}
    for row in (out / "funsd_handwritten.tsv").read_text(encoding="utf-8").splitlines():
        if row and not row.startswith("#"):
            name, text = row.split("\t")[:2]
            handwritten[name] = text
    count = 0
    for image_path in sorted(listing.stdout.split()):
        stem = pathlib.Path(image_path).stem
        form = json.loads(git_show(mirrors, FUNSD, f"dataset/testing_data/annotations/{stem}.json"))
        image = Image.open(BytesIO(git_show(mirrors, FUNSD, image_path))).convert("L")
        questions = 0
        for entity in form["form"]:
            x0, y0, x1, y1 = entity["box"]
            text = " ".join(w["text"] for w in entity["words"]).strip()
            if (entity["label"] not in ("question", "answer") or not text or y1 - y0 > max_height
                    or not single_line(entity["words"])):
                continue
            if entity["label"] == "question":
                if questions >= questions_per_form:
                    continue
                questions += 1
            crop = image.crop((max(0, x0 - 4), max(0, y0 - 4), x1 + 4, y1 + 4))
            name = f"funsd-{stem}-{entity['id']:03d}-{entity['label']}"
            # The hand-written answers (funsd_handwritten.tsv, checked by eye) are a kind apart.
            folder = out / "local/lines" / ("handwritten" if name in handwritten else "funsd")
            folder.mkdir(parents=True, exist_ok=True)
            crop.save(folder / f"{name}.png")
            write(folder / f"{name}.gt.txt", " ".join(handwritten.get(name, text).split()) + "\n")
            count += 1
    return count


def single_line(words):
    """True when every word's box overlaps the first word's rows (one text line)."""
    tops = [w["box"][1] for w in words]
    bottoms = [w["box"][3] for w in words]
    return bool(words) and max(tops) < min(bottoms)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(__file__).parent)
    parser.add_argument("--funsd", action="store_true",
                        help="also cut FUNSD form fields into OUT/local/funsd (not committed)")
    args = parser.parse_args()
    print(f"printed lines: {gather_uw3(args.mirrors, args.out)}")
    print(f"photographed lines: {gather_photo_lines(args.mirrors, args.out)}")
    gather_page_xml_pages(args.mirrors, args.out)
    gather_text_pages(args.mirrors, args.out)
    print(f"pages: {len(PAGE_XML_PAGES) + len(TEXT_PAGES)}")
    print(f"printed lines cut from UNLV pages: {gather_unlv_lines(args.out)}")
    if args.funsd:
        print(f"FUNSD fields: {gather_funsd(args.mirrors, args.out)}")


if __name__ == "__main__":
    main()
