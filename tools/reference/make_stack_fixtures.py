#!/usr/bin/env python3
"""What each reference stack does where transformers 4 / Pillow <= 12 and transformers 5 / Pillow 13
differ: the fixtures under tests/fixtures/stacks/<stack>/.

Run once per stack, each with its own venv (tools/reference/setup.sh v4 | v5):
    tools/reference/.venv/bin/python    tools/reference/make_stack_fixtures.py v4
    tools/reference/.venv-v5/bin/python tools/reference/make_stack_fixtures.py v5

Written to tests/fixtures/stacks/<stack>/:
  index.json      versions; resize: [{image, width, height, resample, file}];
                  tokenizer: the class AutoTokenizer loads for tests/fixtures/tokenizers/xlmr-spm,
                  and its ids / decoded text (skip_special_tokens true and false) for every line of
                  that fixture's expected.json plus the SentencePiece edge cases below, and decoded
                  text for hand-made id lists (a "▁", a skipped <unk>, another "▁", ...);
                  model: the files save_pretrained wrote and the ids generate() gives;
                  prefix_space: "prefix_space.json".
  prefix_space.json  the ids AutoTokenizer gives for tokenizers/roberta-bpe with add_prefix_space
                  switched in tokenizer_config.json and/or tokenizer.json (PREFIX_SPACE_VARIANTS).
  resize/*.npy    Image.resize bytes (uint8 [h, w, 3]) of portrait and landscape images, to sizes
                  where Pillow 13 runs the vertical pass first and where it does not.
  ../../images/portrait_crop.png   the portrait image (made once): a rotated crop of
                  photo_rgb.jpg, as a user's rotated field.
  model/          tests/fixtures/models/deit-trocr loaded and saved again by this stack's
                  save_pretrained (model, processor, tokenizer), as a user's fine-tune comes out.
The C++ tests compare against these and never need torch.
"""
import json
import pathlib
import platform
import shutil
import sys

import numpy as np
import PIL
import tokenizers
import torch
import transformers
from PIL import Image
from transformers import AutoTokenizer, TrOCRProcessor, VisionEncoderDecoderModel

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
IMAGES = FIXTURES / "images"

# SentencePiece lines where the stacks' tokenizers are known to part (see docs/tokenizers.md).
EDGE_TEXTS = ["000", "ated", "1000 created", "--flag-like text", "--", "a ▁ b",
              "مرحبا بالعالم", "👩\u200d💻 works", " 👨\u200d👩\u200d👧 family", "x\u200dy"]


def versions():
    import sentencepiece
    return {"python": platform.python_version(), "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__, "torch": torch.__version__,
            "pillow": PIL.__version__, "sentencepiece": sentencepiece.__version__,
            "numpy": np.__version__}


def portrait_image():
    """A rotated field crop: taller than wide, with detail in both directions."""
    photo = Image.open(IMAGES / "photo_rgb.jpg").convert("RGB")
    crop = photo.rotate(90, expand=True)
    w, h = crop.size
    crop = crop.crop((w // 3, h // 8, w // 3 + 72, h // 8 + 200))
    path = IMAGES / "portrait_crop.png"
    if not path.exists():  # shared by both stacks: made once, by whichever runs first
        crop.save(path, optimize=True)
    return Image.open(path).convert("RGB")


def record_resize(out):
    cases = []
    shutil.rmtree(out / "resize", ignore_errors=True)
    (out / "resize").mkdir(parents=True)
    portrait = portrait_image()
    landscape = Image.open(IMAGES / "small_96x32.png").convert("RGB")
    tall = Image.open(IMAGES / "tall_narrow.png").convert("RGB")
    for image_name, image, size, resample in [
            ("portrait_crop.png", portrait, (384, 384), Image.Resampling.LANCZOS),
            ("portrait_crop.png", portrait, (96, 128), Image.Resampling.BILINEAR),
            ("portrait_crop.png", portrait, (48, 160), Image.Resampling.BICUBIC),
            ("tall_narrow.png", tall, (96, 32), Image.Resampling.HAMMING),
            ("tall_narrow.png", tall, (40, 100), Image.Resampling.BOX),
            ("small_96x32.png", landscape, (128, 128), Image.Resampling.LANCZOS),
            # Landscape, but the height shrinks and the width grows: Pillow 13 goes vertical first.
            ("small_96x32.png", landscape, (120, 8), Image.Resampling.LANCZOS)]:
        w, h = size
        name = f"{pathlib.Path(image_name).stem}_{w}x{h}_{int(resample)}.npy"
        np.save(out / "resize" / name, np.asarray(image.resize(size, resample), dtype=np.uint8))
        cases.append({"image": image_name, "width": w, "height": h, "resample": int(resample),
                      "source_size": list(image.size), "file": "resize/" + name})
    return cases


def record_tokenizer():
    folder = FIXTURES / "tokenizers" / "xlmr-spm"
    tok = AutoTokenizer.from_pretrained(str(folder))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    texts = [line["text"] for line in expected["lines"]] + EDGE_TEXTS
    lines = []
    for text in texts:
        ids = tok(text)["input_ids"]
        lines.append({"text": text, "ids": ids,
                      "decoded": [tok.decode(ids, skip_special_tokens=s) for s in (True, False)]})
    space = tok.convert_tokens_to_ids("▁")
    unk = tok.unk_token_id
    id_lists = [[space, unk, space], [0, space, unk, space, 2], [space, space, 5], [unk, space, 10],
                [unk], [space], [5, unk, 5], [0, unk, space, 7, space, unk, 2]]
    decodes = [{"ids": ids, "decoded": [tok.decode(ids, skip_special_tokens=s) for s in (True, False)]}
               for ids in id_lists]
    return {"class": type(tok).__name__, "folder": "tokenizers/xlmr-spm", "lines": lines,
            "decodes": decodes}


# The byte-level BPE fixture's add_prefix_space, switched where a user's files can switch it: the
# tokenizer_config.json key (set, or absent), tokenizer.json's pre_tokenizer/post_processor, and
# the class named in tokenizer_config.json.
PREFIX_SPACE_VARIANTS = [
    {"name": "config absent, tokenizer.json true", "config": None, "tokenizer_json": True},
    {"name": "config true, tokenizer.json false", "config": True, "tokenizer_json": False},
    {"name": "config true, tokenizer.json true", "config": True, "tokenizer_json": True},
    {"name": "config false, tokenizer.json true", "config": False, "tokenizer_json": True},
    {"name": "PreTrainedTokenizerFast, config absent, tokenizer.json true", "config": None,
     "tokenizer_json": True, "tokenizer_class": "PreTrainedTokenizerFast"},
    {"name": "PreTrainedTokenizerFast, config true, tokenizer.json false", "config": True,
     "tokenizer_json": False, "tokenizer_class": "PreTrainedTokenizerFast"},
]
PREFIX_SPACE_TEXTS = ["Hello world", " leading space", "no", "  two spaces", "<s>inside",
                      "Ünïcödé 123", "tab\tand\nnewline", "end space "]


def prefix_space_folder(variant, target):
    """The roberta-bpe fixture with one variant's edits (the C++ test makes the same edits)."""
    shutil.copytree(FIXTURES / "tokenizers" / "roberta-bpe", target)
    target.joinpath("expected.json").unlink()
    config_path = target / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.pop("add_prefix_space", None)
    if variant["config"] is not None:
        config["add_prefix_space"] = variant["config"]
    if "tokenizer_class" in variant:
        config["tokenizer_class"] = variant["tokenizer_class"]
    config_path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    tj_path = target / "tokenizer.json"
    tj = json.loads(tj_path.read_text(encoding="utf-8"))
    tj["pre_tokenizer"]["add_prefix_space"] = variant["tokenizer_json"]
    tj["post_processor"]["add_prefix_space"] = variant["tokenizer_json"]
    tj_path.write_text(json.dumps(tj, ensure_ascii=False), encoding="utf-8")


def record_prefix_space():
    import tempfile
    expected = json.loads((FIXTURES / "tokenizers" / "roberta-bpe" / "expected.json")
                          .read_text(encoding="utf-8"))
    texts = [line["text"] for line in expected["lines"][:60]] + PREFIX_SPACE_TEXTS
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, variant in enumerate(PREFIX_SPACE_VARIANTS):
            folder = pathlib.Path(tmp) / f"v{k}"
            prefix_space_folder(variant, folder)
            tok = AutoTokenizer.from_pretrained(str(folder))
            records.append(dict(variant, **{"class": type(tok).__name__,
                                           "ids": [tok(t)["input_ids"] for t in texts]}))
    return {"folder": "tokenizers/roberta-bpe", "texts": texts, "variants": records}


def write_prefix_space(out):
    """prefix_space.json, one id list per line (indented, it would be thousands of lines)."""
    record = record_prefix_space()
    dump = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    variants = ",\n".join(dump(v) for v in record["variants"])
    text = (f'{{"folder":{dump(record["folder"])},\n"texts":{dump(record["texts"])},\n'
            f'"variants":[\n{variants}\n]}}\n')
    (out / "prefix_space.json").write_text(text, encoding="utf-8")
    return "prefix_space.json"


def record_model(out):
    source = FIXTURES / "models" / "deit-trocr"
    target = out / "model"
    if target.exists():
        shutil.rmtree(target)
    model = VisionEncoderDecoderModel.from_pretrained(str(source)).eval()
    processor = TrOCRProcessor.from_pretrained(str(source))
    model.save_pretrained(str(target))
    processor.save_pretrained(str(target))
    # A fine-tune's folder carries no torch pickle from us; keep the fixture small.
    for extra in target.glob("*.bin"):
        extra.unlink()
    images = ["bilevel_template.png", "photo_rgb.jpg", "table_rgb.png", "tall_narrow.png",
              "portrait_crop.png"]
    settings = [{"num_beams": 1, "max_new_tokens": 12}, {"num_beams": 3, "max_new_tokens": 12}]
    runs = []
    loaded = VisionEncoderDecoderModel.from_pretrained(str(target)).eval()
    loaded_processor = TrOCRProcessor.from_pretrained(str(target))
    for name in images:
        image = Image.open(IMAGES / name).convert("RGB")
        pixel_values = loaded_processor(images=image, return_tensors="pt").pixel_values
        for setting in settings:
            with torch.no_grad():
                ids = loaded.generate(pixel_values, do_sample=False, **setting)[0].tolist()
            runs.append({"image": name, "settings": setting, "ids": ids,
                         "text": loaded_processor.tokenizer.decode(ids, skip_special_tokens=True)})
    return {"folder": "model", "files": sorted(p.name for p in target.iterdir()),
            "image_processor_class": type(loaded_processor.image_processor).__name__,
            "tokenizer_class": type(loaded_processor.tokenizer).__name__, "generate": runs}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("v4", "v5"):
        sys.exit("usage: make_stack_fixtures.py v4|v5 (run with that stack's venv)")
    stack = sys.argv[1]
    major = int(transformers.__version__.split(".")[0])
    if major != int(stack[1:]):
        sys.exit(f"stack {stack} needs transformers {stack[1:]}.x, this venv has {transformers.__version__}")
    torch.manual_seed(0)
    out = FIXTURES / "stacks" / stack
    out.mkdir(parents=True, exist_ok=True)
    index = {"generator": "tools/reference/make_stack_fixtures.py " + stack, "stack": stack,
             "versions": versions(), "resize": record_resize(out),
             "tokenizer": record_tokenizer(), "model": record_model(out),
             "prefix_space": write_prefix_space(out)}
    (out / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    print(f"{out}: {index['versions']}", file=sys.stderr)


if __name__ == "__main__":
    main()
