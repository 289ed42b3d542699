"""Does a model look where it reads? The decoder's cross-attention on a few labelled lines.

Run in tools/reference's venv:

    tools/reference/.venv/bin/python tools/default_model/attention_check.py \
        --data DATA/pad-test/evalshort.csv CHECKPOINT [CHECKPOINT ...]

For each checkpoint: the text fed teacher-forced (decoder start + the label's tokens), the last
decoder layer's cross-attention averaged over heads, and per line

- peak: the mean over output tokens of the largest attention weight on one column (1/65 is
  uniform over the encoder's CLS + 64 columns; a model that reads puts most of the weight on the
  one or two columns of the next character, 0.3 and more);
- monotone: the share of consecutive tokens whose most-attended column does not move left
  (reading left to right gives ~1; noise gives ~0.5);
- the column each token attends most.

A model on the "language-model plateau" (loss flat, CER ~1, the same guess for every image)
shows a peak near uniform and columns that jump around: its decoder does not use the image yet.
"""

import argparse
import csv
import pathlib

import torch
from PIL import Image
from transformers import TrOCRProcessor, VisionEncoderDecoderModel


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--data", required=True, help="CSV file_name,text (paths relative to it)")
    parser.add_argument("--lines", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = pathlib.Path(args.data)
    with open(data, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[: args.lines]
    for checkpoint in args.checkpoints:
        model = VisionEncoderDecoderModel.from_pretrained(checkpoint, attn_implementation="eager")
        model.eval()
        processor = TrOCRProcessor.from_pretrained(checkpoint)
        start = model.config.decoder_start_token_id
        peaks, forward, steps = [], 0, 0
        print(checkpoint)
        for row in rows:
            image = Image.open(data.parent / row["file_name"]).convert("RGB")
            pixels = processor(images=image, return_tensors="pt").pixel_values
            labels = processor.tokenizer(row["text"], return_tensors="pt").input_ids
            inputs = torch.cat([torch.tensor([[start]]), labels[:, :-1]], dim=1)
            with torch.no_grad():
                out = model(pixel_values=pixels, decoder_input_ids=inputs, output_attentions=True)
            attention = out.cross_attentions[-1][0].mean(0)  # [tokens, 1 + columns]
            columns = attention[:, 1:].argmax(-1).tolist()
            peak = attention.max(-1).values.mean().item()
            peaks.append(peak)
            forward += sum(b >= a for a, b in zip(columns, columns[1:]))
            steps += len(columns) - 1
            print(f"  peak {peak:.2f}  {row['text']!r:32} columns {columns}")
        print(f"  mean peak {sum(peaks) / len(peaks):.3f} (uniform {1 / attention.shape[1]:.3f}), "
              f"monotone {forward / max(steps, 1):.2f}")


if __name__ == "__main__":
    main()
