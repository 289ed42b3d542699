#!/usr/bin/env python3
"""Image-processor fixtures: real images in many file formats/modes and what the reference
(PIL + transformers' ViTImageProcessor, the image half of TrOCRProcessor) computes on them.

Run with the reference venv from the repository root:

    tools/reference/.venv/bin/python tools/reference/make_image_fixtures.py [--collect]

--collect   re-derive the images from real files found on this machine (the PNG form template
            of the project, photos and a register table from the Rust docs, libpng's test image;
            see SOURCES) and write the bad-input files. Without it the committed images are used.

Always writes, under tests/fixtures/images/:
  configs/<name>/preprocessor_config.json   the processor configurations tested
  expected/<config>/<image>...npy           the reference pixel_values (see STORAGE below)
  expected/decoded/<image>...npy            PIL's Image.open(f).convert("RGB"), sampled
  expected/resize/<case>.npy                PIL's uint8 resize output, whole
  expected/index.json                       what is where, library versions, bad inputs

STORAGE. A 384x384 float32 tensor is 1.7 MB, too much to commit for every image. For the
384x384 config we keep a few full rows exactly plus, in float64, the sum of every row and of
every column of every channel (sums of float32 values of this range are exact in float64, so a
single differing pixel changes them by >= 2/255). Small configs are stored whole. Decoded RGB
images likewise: a few full rows plus uint32 sums of every row and column per channel.
"""

from __future__ import annotations

import argparse
import glob
import importlib.metadata
import io
import json
import os
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import PIL
import transformers
from PIL import Image, features
from transformers import AutoImageProcessor

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "images"

# Real images this machine has. The first existing match of each glob is used.
SOURCES = {
    "template": ["/work/shared/reference/templates/00_template.png",
                 str(ROOT.parent / "shared/reference/templates/00_template.png")],
    "photo_board": ["/root/.rustup/toolchains/*/share/doc/rust/html/embedded-book/assets/f3.jpg",
                    os.path.expanduser("~/.rustup/toolchains/*/share/doc/rust/html/embedded-book/assets/f3.jpg")],
    "photo_verify": ["/root/.rustup/toolchains/*/share/doc/rust/html/embedded-book/assets/verify.jpeg",
                     os.path.expanduser("~/.rustup/toolchains/*/share/doc/rust/html/embedded-book/assets/verify.jpeg")],
    "register_table": ["/root/.rustup/toolchains/*/share/doc/rust/html/embedded-book/assets/nrf52-spi-frequency-register.png",
                       os.path.expanduser("~/.rustup/toolchains/*/share/doc/rust/html/embedded-book/assets/nrf52-spi-frequency-register.png")],
    "pngtest": ["/usr/share/doc/libpng-dev/examples/pngtest.png"],
}

CONFIGS = {
    # microsoft/trocr-*: the old "size": 384 form, ViTFeatureExtractor, bilinear, mean/std 0.5.
    "trocr_default": {
        "do_normalize": True, "do_resize": True, "feature_extractor_type": "ViTFeatureExtractor",
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 2, "size": 384,
    },
    # New {"height", "width"} form, non-square, bicubic, ImageNet statistics.
    "bicubic_32x96": {
        "image_processor_type": "ViTImageProcessor", "do_resize": True,
        "size": {"height": 32, "width": 96}, "resample": 3, "do_rescale": True,
        "rescale_factor": 1 / 255, "do_normalize": True,
        "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
    },
    # No resize: only images already 96x32 go through it.
    "no_resize": {
        "image_processor_type": "ViTImageProcessor", "do_resize": False,
        "size": {"height": 32, "width": 96}, "resample": 2, "do_rescale": True,
        "rescale_factor": 1 / 255, "do_normalize": True,
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
    },
}
ROWS_384 = [0, 191, 383]  # rows kept whole for the 384x384 config
DECODED_ROWS = 3             # first, middle and last row of each decoded image

# Resize cases recorded as PIL's whole uint8 output: (image, width, height) x every filter.
RESIZE_CASES = [
    ("template_rgba.png", 97, 31),      # strong antialiased downscale
    ("table_rgb.png", 83, 37),          # moderate downscale
    ("photo_rgb.jpg", 53, 40),
    ("small_96x32.png", 131, 47),       # upscale both ways
    ("strip_1px.png", 64, 3),           # 1 row -> 3
    ("tall_narrow.png", 5, 100),        # mixed: narrower and shorter
    ("interlaced_rgba.png", 91, 40),    # width unchanged: vertical pass only
    ("icon_palette.png", 40, 138),      # height unchanged: horizontal pass only
    ("template_rgba.png", 7, 3),        # extreme downscale (factor 265 x 176)
    ("strip_1px.png", 2000, 1),         # long upscale: NEAREST's accumulated positions
]
FILTERS = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}

# Bad inputs and a phrase our error message must contain.
BAD_INPUTS = {
    "empty.png": "empty file",
    "truncated.png": "truncated PNG",
    "text.png": "not a supported image",
    "bomb_100000x100000.png": "100000x100000",
    "huge_sof.jpg": "65000x60000",
    "truncated.jpg": "truncated JPEG",
    "corrupt_idat.png": "cannot decode",
}


def find_source(key: str) -> Path:
    for pattern in SOURCES[key]:
        hits = sorted(glob.glob(pattern))
        if hits:
            return Path(hits[0])
    sys.exit(f"--collect: no source image for {key!r}; looked for {SOURCES[key]}")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int, height: int, bit_depth: int, color_type: int, raw_rows: bytes) -> bytes:
    """A PNG written by hand (PIL cannot write 16-bit RGB); rows already carry filter bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
            png_chunk(b"IDAT", zlib.compress(raw_rows, 9)) + png_chunk(b"IEND", b""))


def collect() -> None:
    """Derives every fixture image from real images (crops, mode and format conversions)."""
    OUT.mkdir(parents=True, exist_ok=True)
    template = Image.open(find_source("template"))      # RGBA 1852x528, red field boxes
    board = Image.open(find_source("photo_board"))      # RGB progressive JPEG photo
    verify_path = find_source("photo_verify")           # RGB baseline JPEG photo with EXIF
    table = Image.open(find_source("register_table")).convert("RGB")  # a printed register table
    pngtest_path = find_source("pngtest")               # interlaced RGBA with gAMA

    def save(img: Image.Image, name: str, **kw) -> None:
        img.save(OUT / name, **kw)

    (OUT / "template_rgba.png").write_bytes(find_source("template").read_bytes())
    (OUT / "interlaced_rgba.png").write_bytes(pngtest_path.read_bytes())
    (OUT / "photo_rgb.jpg").write_bytes(verify_path.read_bytes())
    save(table.crop((0, 0, 800, 300)), "table_rgb.png", optimize=True)
    save(board.crop((100, 60, 500, 360)), "photo_progressive.jpg", quality=85, progressive=True)
    save(board.convert("L").crop((0, 0, 320, 240)), "photo_gray.jpg", quality=85)
    # EXIF orientation 6 (rotate 90): PIL's Image.open ignores it, so must we.
    exif = Image.Exif()
    exif[0x0112] = 6
    save(Image.open(verify_path).crop((200, 100, 440, 280)), "photo_exif_rotated.jpg",
         quality=90, exif=exif.tobytes())
    icon = Image.open(pngtest_path).convert("RGBA").resize((182, 138), Image.Resampling.LANCZOS)
    palette = icon.convert("RGB").quantize(colors=48)
    save(palette, "icon_palette.png", transparency=0)
    save(template.crop((0, 0, 600, 200)).convert("LA"), "gray_alpha.png")
    save(template.convert("L").point(lambda v: 255 if v > 100 else 0).convert("1"),
         "bilevel_template.png")
    # 16-bit gray as a 10-bit scanner writes it (0..1020): PIL clips values above 255.
    gray = np.asarray(table.convert("L").crop((100, 40, 400, 140)), dtype=np.uint16) * 4
    rows = b"".join(b"\x00" + r.astype(">u2").tobytes() for r in gray)
    (OUT / "gray16.png").write_bytes(png_bytes(gray.shape[1], gray.shape[0], 16, 0, rows))
    # 16-bit RGB: PIL keeps the high byte. Low bytes vary so that rounding would show.
    rgb = np.asarray(board.crop((200, 100, 264, 148)), dtype=np.uint16)
    rgb16 = rgb * 257 - (np.arange(rgb.size, dtype=np.uint16).reshape(rgb.shape) % 200)
    rgb16 = np.where(rgb == 0, 0, rgb16).astype(np.uint16)
    rows = b"".join(b"\x00" + r.astype(">u2").tobytes() for r in rgb16)
    (OUT / "rgb16.png").write_bytes(png_bytes(rgb16.shape[1], rgb16.shape[0], 16, 2, rows))
    save(table.crop((40, 0, 49, 682)), "tall_narrow.png")
    save(board.crop((0, 240, 720, 241)), "strip_1px.png")
    # 4000x3000 that compresses: the register table scaled up with NEAREST (repeated rows).
    save(table.resize((4000, 3000), Image.Resampling.NEAREST), "large_4000x3000.png",
         optimize=True)
    save(board.crop((300, 200, 420, 290)), "photo.bmp")
    save(board.crop((150, 150, 270, 240)), "photo.tiff", compression="tiff_lzw")
    save(board.crop((350, 150, 470, 240)), "photo_lossless.webp", lossless=True)
    save(board.crop((350, 150, 550, 300)), "photo_lossy.webp", quality=80)
    save(board.crop((400, 300, 496, 332)), "small_96x32.png")
    save(table.crop((500, 100, 884, 484)), "square_384.png")

    bad = OUT / "bad"
    bad.mkdir(exist_ok=True)
    (bad / "empty.png").write_bytes(b"")
    good_png = (OUT / "table_rgb.png").read_bytes()
    (bad / "truncated.png").write_bytes(good_png[: len(good_png) * 6 // 10])
    (bad / "text.png").write_text("This is a text file that someone named .png by mistake.\n")
    # Header claims 100000x100000 RGB (30 GB decoded) in a file of a few dozen bytes.
    (bad / "bomb_100000x100000.png").write_bytes(
        png_bytes(100000, 100000, 8, 2, b"\x00" * 16))
    good_jpg = (OUT / "photo_exif_rotated.jpg").read_bytes()
    (bad / "truncated.jpg").write_bytes(good_jpg[: len(good_jpg) // 2])
    # The same JPEG with its frame header patched to 65000 wide, 60000 high.
    data = bytearray(good_jpg)
    at = 2
    while True:
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2: at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            data[at + 5: at + 9] = struct.pack(">HH", 60000, 65000)
            break
        at += 2 + length
    (bad / "huge_sof.jpg").write_bytes(bytes(data))
    # A valid header and chunk layout whose compressed data is garbage.
    garbage = bytes((i * 37 + 11) % 256 for i in range(200))
    ihdr = struct.pack(">IIBBBBB", 40, 30, 8, 2, 0, 0, 0)
    (bad / "corrupt_idat.png").write_bytes(
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", garbage) +
        png_chunk(b"IEND", b""))


def images() -> list[Path]:
    files = sorted(p for p in OUT.iterdir() if p.is_file() and p.suffix != ".json")
    if len(files) < 10:
        sys.exit(f"only {len(files)} images in {OUT}; run with --collect first")
    return files


def save_npy(path: Path, array: np.ndarray) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.ascontiguousarray(array), allow_pickle=False)
    return str(path.relative_to(OUT))


def row_col_sums(chw: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Sums of every row and every column of every channel of a [C, H, W] array."""
    wide = np.uint64 if dtype == np.uint32 else dtype  # numpy widens integer sums anyway
    rows = chw.astype(wide).sum(axis=2).astype(dtype)
    cols = chw.astype(wide).sum(axis=1).astype(dtype)
    return rows, cols


def record() -> dict:
    index = {
        "generator": "tools/reference/make_image_fixtures.py",
        "versions": {
            "python": sys.version.split()[0], "numpy": np.__version__,
            "pillow": PIL.__version__, "transformers": transformers.__version__,
            "torch": importlib.metadata.version("torch"),
            "libjpeg_turbo": features.version("libjpeg_turbo"),
            "libwebp": features.version("webp"), "zlib": features.version("zlib"),
            "libtiff": features.version("libtiff"),
        },
        "reference": 'AutoImageProcessor.from_pretrained(config_dir)'
                     '(images=Image.open(f).convert("RGB"), return_tensors="np", '
                     'input_data_format="channels_last").pixel_values[0]',
        "configs": {}, "images": {}, "decoded": {}, "pixel_values": [], "resize": [],
        "bad_inputs": {f"bad/{k}": v for k, v in BAD_INPUTS.items()},
    }
    files = images()
    opened = {f.name: Image.open(f) for f in files}
    rgb = {name: im.convert("RGB") for name, im in opened.items()}
    for f in files:
        im = opened[f.name]
        index["images"][f.name] = {"format": im.format, "pil_mode": im.mode,
                                   "width": im.width, "height": im.height,
                                   "bytes": f.stat().st_size}
        # Decoded RGB, sampled: first/middle/last rows whole, plus all row and column sums.
        arr = np.asarray(rgb[f.name])  # H, W, 3 uint8
        rows = sorted({0, arr.shape[0] // 2, arr.shape[0] - 1})
        stem = f"expected/decoded/{f.name}"
        row_sums, col_sums = row_col_sums(arr.transpose(2, 0, 1), np.uint32)
        index["decoded"][f.name] = {
            "rows": rows,
            "rows_file": save_npy(OUT / f"{stem}.rows.npy", arr[rows]),
            "row_sums_file": save_npy(OUT / f"{stem}.row_sums.npy", row_sums),
            "col_sums_file": save_npy(OUT / f"{stem}.col_sums.npy", col_sums),
        }

    for name, cfg in CONFIGS.items():
        cfg_dir = OUT / "configs" / name
        cfg_dir.mkdir(parents=True, exist_ok=True)
        (cfg_dir / "preprocessor_config.json").write_text(json.dumps(cfg, indent=2) + "\n")
        processor = AutoImageProcessor.from_pretrained(cfg_dir)
        index["configs"][name] = {"dir": str(cfg_dir.relative_to(OUT)),
                                  "class": type(processor).__name__}
        for f in files:
            if name == "no_resize" and rgb[f.name].size != (96, 32):
                continue
            # transformers guesses the channel axis from the array shape and takes an image 1 or
            # 3 pixels high for channels-first (it then fails, or silently misreads it). Tell it
            # what a PIL image is; where the guess is unambiguous, check both calls agree.
            pv = processor(images=rgb[f.name], return_tensors="np",
                           input_data_format="channels_last").pixel_values[0]
            assert pv.dtype == np.float32, pv.dtype
            entry = {"config": name, "image": f.name, "shape": list(pv.shape)}
            if rgb[f.name].height in (1, 3):
                entry["note"] = ("transformers misreads an image this short as channels-first; "
                                 "recorded with input_data_format='channels_last'")
            else:
                guessed = processor(images=rgb[f.name], return_tensors="np").pixel_values[0]
                assert np.array_equal(guessed, pv), f.name
            stem = OUT / "expected" / name / f.name
            if pv.size <= 3 * 96 * 96:
                entry["file"] = save_npy(Path(f"{stem}.npy"), pv)
            else:
                row_sums, col_sums = row_col_sums(pv, np.float64)
                entry["rows"] = ROWS_384
                entry["rows_file"] = save_npy(Path(f"{stem}.rows.npy"), pv[:, ROWS_384, :])
                entry["row_sums_file"] = save_npy(Path(f"{stem}.row_sums.npy"), row_sums)
                entry["col_sums_file"] = save_npy(Path(f"{stem}.col_sums.npy"), col_sums)
            index["pixel_values"].append(entry)

    for image, width, height in RESIZE_CASES:
        for resample, filter_name in FILTERS.items():
            out = np.asarray(rgb[image].resize((width, height), resample=resample))
            path = OUT / "expected" / "resize" / f"{image}.{width}x{height}.{filter_name}.npy"
            index["resize"].append({"image": image, "width": width, "height": height,
                                    "resample": resample, "file": save_npy(path, out)})
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collect", action="store_true",
                        help="re-derive the images from real files on this machine")
    args = parser.parse_args()
    if args.collect:
        collect()
    index = record()
    (OUT / "expected" / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"{len(index['images'])} images, {len(index['pixel_values'])} pixel tensors, "
          f"{len(index['resize'])} resize cases; {total / 1e6:.2f} MB under {OUT}")


if __name__ == "__main__":
    main()
