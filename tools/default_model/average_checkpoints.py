#!/usr/bin/env python3
"""Averages the weights of checkpoints of one training lineage (the last few of a run, or a run
and the run it started from) into a new checkpoint folder: the usual "checkpoint averaging" of
machine translation, which lands nearer the middle of the valley the last steps circle in.

    average_checkpoints.py --output DIR CKPT [CKPT ...] [--weights 0.5,0.5]

Every checkpoint must hold the same float32 tensors (names and shapes); everything else in the
output (config, tokenizer, generation and preprocessor configs) is copied from the first one.
model.safetensors is read and written here with numpy alone (an 8-byte header length, a JSON
header, raw little-endian data), written to a temporary file and renamed.
"""

import argparse
import json
import pathlib
import shutil
import struct
import sys

import numpy as np

COPIED = ["config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json",
          "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt"]


def read_safetensors(path):
    data = path.read_bytes()
    if len(data) < 8:
        sys.exit(f"average_checkpoints.py: {path}: too short for a safetensors file")
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    body = data[8 + size:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            sys.exit(f"average_checkpoints.py: {path}: {name} is {info['dtype']}, not F32")
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[start:end], dtype="<f4").reshape(info["shape"])
    return tensors, header.get("__metadata__")


def write_safetensors(path, tensors, metadata):
    header, offset, chunks = {}, 0, []
    for name in sorted(tensors):
        raw = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    if metadata:
        header["__metadata__"] = metadata
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the data start 8-byte aligned, as safetensors does
    tmp = path.with_suffix(".safetensors.tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for raw in chunks:
            f.write(raw)
    tmp.replace(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", nargs="+", type=pathlib.Path)
    parser.add_argument("--output", required=True, type=pathlib.Path)
    parser.add_argument("--weights", help="comma-separated, one per checkpoint (default: equal)")
    args = parser.parse_args()
    weights = [1.0] * len(args.checkpoints)
    if args.weights:
        weights = [float(w) for w in args.weights.split(",")]
        if len(weights) != len(args.checkpoints):
            sys.exit("average_checkpoints.py: --weights needs one weight per checkpoint")
    total = sum(weights)
    summed, metadata = None, None
    for checkpoint, weight in zip(args.checkpoints, weights):
        tensors, meta = read_safetensors(checkpoint / "model.safetensors")
        if summed is None:
            summed, metadata = {k: v.astype(np.float64) * weight for k, v in tensors.items()}, meta
            continue
        if tensors.keys() != summed.keys():
            sys.exit(f"average_checkpoints.py: {checkpoint} holds other tensors than "
                     f"{args.checkpoints[0]}")
        for name, value in tensors.items():
            if value.shape != summed[name].shape:
                sys.exit(f"average_checkpoints.py: {checkpoint}: {name} has shape "
                         f"{list(value.shape)}, {args.checkpoints[0]} {list(summed[name].shape)}")
            summed[name] += value * weight
    args.output.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = args.checkpoints[0] / name
        if source.exists():
            shutil.copyfile(source, args.output / name)
    averaged = {k: (v / total).astype(np.float32) for k, v in summed.items()}
    write_safetensors(args.output / "model.safetensors", averaged, metadata)
    print(f"{args.output}: the weighted mean of {len(args.checkpoints)} checkpoints "
          f"({len(averaged)} tensors)")


if __name__ == "__main__":
    main()
