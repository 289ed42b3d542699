#!/usr/bin/env python3
"""Does a checkpoint written by `mlxocr train` load in transformers and decode like mlxocr?

Run with the reference venv (tools/reference/setup.sh) after building mlxocr:
    tools/reference/.venv/bin/python tools/reference/check_training_checkpoint.py \
        [--mlxocr build/mlxocr] [--model tests/fixtures/models/vit-trocr]
        [--checkpoint DIR] [--images FILE ...] [--max-new-tokens N]

Trains a few steps with `mlxocr train` on fixture images (unless --checkpoint is given), loads
the last checkpoint with VisionEncoderDecoderModel.from_pretrained (which must report no missing
or unexpected weights), decodes every image with generate() and with `mlxocr recognize --format
json`, both with the checkpoint's own generation settings (greedy for a checkpoint of mlxocr
train, beam search with 4 beams for the bundled model), and compares the token ids. --checkpoint
checks a finished model instead (the bundled default: --checkpoint models/mlxocr-fields-tiny), on
--images of your choice. --num-beams N makes both sides use N beams. Prints one JSON summary;
exits 1 when anything differs. Not part of CI: it needs torch.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
import transformers
from PIL import Image
from transformers import AutoTokenizer, ViTImageProcessor, VisionEncoderDecoderModel

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "tests" / "fixtures" / "images"
ROWS = [("small_96x32.png", "hello"), ("photo_rgb.jpg", "a photo"), ("table_rgb.png", "table 12"),
        ("photo_gray.jpg", "grey"), ("square_384.png", "square"), ("tall_narrow.png", "tall one")]


def train(mlxocr, model, work):
    csv = ["file_name,text"]
    for name, text in ROWS:
        shutil.copy(IMAGES / name, work / name)
        csv.append(f"{name},{text}")
    (work / "train.csv").write_text("\n".join(csv) + "\n")
    subprocess.run([mlxocr, "train", "-m", str(model), "--train", str(work / "train.csv"),
                    "-o", str(work / "run"), "--max-steps", "10", "--batch-size", "3",
                    "--lr", "1e-3", "--no-progress"], check=True)
    checkpoints = sorted((work / "run").glob("checkpoint-*"),
                         key=lambda p: int(p.name.split("-")[1]))
    return checkpoints[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlxocr", default=str(ROOT / "build" / "mlxocr"))
    parser.add_argument("--model", default=str(ROOT / "tests" / "fixtures" / "models" / "vit-trocr"))
    parser.add_argument("--checkpoint", help="a checkpoint folder to check instead of training")
    parser.add_argument("--images", nargs="+", help="images to decode (default: six fixtures)")
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--num-beams", type=int, help="default: the checkpoint's setting")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        checkpoint = Path(args.checkpoint) if args.checkpoint else train(args.mlxocr, args.model,
                                                                         work)
        model, info = VisionEncoderDecoderModel.from_pretrained(checkpoint,
                                                                output_loading_info=True)
        model.eval()
        processor = ViTImageProcessor.from_pretrained(checkpoint)
        tokenizer = AutoTokenizer.from_pretrained(checkpoint)
        files = [Path(f) for f in args.images] if args.images else [IMAGES / n for n, _ in ROWS]
        images = [Image.open(f).convert("RGB") for f in files]
        with torch.no_grad():
            beams = {"num_beams": args.num_beams} if args.num_beams else {}
            out = model.generate(processor(images=images, return_tensors="pt").pixel_values,
                                 max_new_tokens=args.max_new_tokens, **beams)
        theirs = []
        for row in out.tolist():
            ids = row[1:]  # without the decoder start token
            if model.generation_config.eos_token_id in ids:
                ids = ids[:ids.index(model.generation_config.eos_token_id) + 1]
            theirs.append(ids)
        beam_flag = ["--num-beams", str(args.num_beams)] if args.num_beams else []
        result = subprocess.run([args.mlxocr, "recognize", "--model", str(checkpoint),
                                 "--format", "json", "--max-new-tokens",
                                 str(args.max_new_tokens)] + beam_flag + [str(f) for f in files],
                                check=True, capture_output=True, text=True)
        ours = [line["token_ids"] for line in json.loads(result.stdout)]
        same = sum(a == b for a, b in zip(ours, theirs))
        summary = {
            "checkpoint": str(checkpoint),
            "transformers": transformers.__version__, "torch": torch.__version__,
            "missing_keys": info["missing_keys"], "unexpected_keys": info["unexpected_keys"],
            "mismatched_keys": [str(k) for k in info["mismatched_keys"]],
            "num_beams": args.num_beams or model.generation_config.num_beams,
            "images": len(files), "identical_token_ids": same,
            "texts_transformers": tokenizer.batch_decode(theirs, skip_special_tokens=True),
        }
        print(json.dumps(summary, indent=1))
        ok = (same == len(files) and not info["missing_keys"] and not info["unexpected_keys"]
              and not info["mismatched_keys"])
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
