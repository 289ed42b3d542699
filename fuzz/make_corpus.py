#!/usr/bin/env python3
"""Builds the seed corpora fuzz/corpus/<target>/ from the test fixtures plus a few hand-made
inputs. Seeds are a starting point, kept to kilobytes; `./dev.sh fuzz` grows working copies
outside the tree. Standard library only: python3 fuzz/make_corpus.py"""
import hashlib
import json
import pathlib
import shutil
import struct
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
OUT = ROOT / "fuzz" / "corpus"
MAX_SEED = 24 * 1024


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    assert len(data) <= MAX_SEED, (target, name, len(data))
    (d / name).write_bytes(data)


def copy_small(target, files, prefix=b"", max_bytes=MAX_SEED):
    for f in sorted(files):
        data = prefix + f.read_bytes()
        if len(data) <= max_bytes:
            put(target, f.parent.name + "_" + f.name, data)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    io = FIX / "io"
    copy_small("safetensors", io.glob("*.safetensors"))
    bins = [f for f in io.glob("*.bin")]
    copy_small("torch_checkpoint", bins)
    copy_small("zip", [f for f in bins if zipfile.is_zipfile(f)])
    for f in sorted(bins):
        if not zipfile.is_zipfile(f):
            continue
        with zipfile.ZipFile(f) as z:
            for n in z.namelist():
                if n.endswith("data.pkl"):
                    put("torch_pickle", f.stem + ".pkl", z.read(n))
    models = sorted((FIX / "models").iterdir())
    copy_small("model_config", [m / "config.json" for m in models])
    copy_small("generation_config", [m / "generation_config.json" for m in models])
    copy_small("generation_config",
               [p for p in (FIX / "generation" / "configs").glob("*/generation_config.json")])
    put("generation_config", "bad_words.json",
        json.dumps({"num_beams": 3, "bad_words_ids": [[5, 6], [7]], "early_stopping": "never",
                    "eos_token_id": [2, 3], "max_new_tokens": 7, "no_repeat_ngram_size": 2}))
    copy_small("preprocessor_config", [m / "preprocessor_config.json" for m in models])
    copy_small("preprocessor_config",
               [p for p in (FIX / "images" / "configs").glob("*/preprocessor_config.json")])
    put("preprocessor_config", "size_forms.json",
        json.dumps({"size": [32, 96], "resample": 3, "image_mean": [0.5, 0.4, 0.3],
                    "image_std": [0.2, 0.3, 0.4], "rescale_factor": 0.00392156862745098}))
    # tokenizer: the first byte picks the file the rest replaces (see fuzz/tokenizer.cpp).
    bpe = FIX / "tokenizers" / "roberta-bpe"
    vocab = json.loads((bpe / "vocab.json").read_text())
    small_vocab = {k: v for k, v in vocab.items() if v < 300}
    merges = (bpe / "merges.txt").read_text().splitlines()[:60]
    put("tokenizer", "0_tokenizer.json", b"\x00" + json.dumps({
        "version": "1.0", "added_tokens": [
            {"id": 0, "content": "<s>", "special": True, "lstrip": False, "rstrip": False,
             "normalized": True, "single_word": False}],
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
        "model": {"type": "BPE", "vocab": small_vocab, "merges": merges[1:]}}).encode())
    put("tokenizer", "1_vocab.json", b"\x01" + json.dumps(small_vocab).encode())
    put("tokenizer", "2_merges.txt", b"\x02" + "\n".join(merges).encode())
    put("tokenizer", "3_tokenizer_config.json", b"\x03" + (bpe / "tokenizer_config.json").read_bytes())
    put("tokenizer", "4_special_tokens_map.json", b"\x04" + (bpe / "special_tokens_map.json").read_bytes())
    put("tokenizer", "5_added_tokens.json", b"\x05" + json.dumps({"<field>": 300, "<date>": 301}).encode())
    spm = FIX / "tokenizers" / "xlmr-spm"
    put("tokenizer", "7_tokenizer_config.json", b"\x07" + (spm / "tokenizer_config.json").read_bytes())
    images = [p for p in (FIX / "images").glob("*") if p.is_file()]
    images += list((FIX / "images" / "bad").glob("*"))
    copy_small("image_header", images, max_bytes=10 * 1024)
    copy_small("image_decode", images, max_bytes=10 * 1024)
    put("dataset", "0.csv", b"\x00file_name,text\na.png,hello\n\"b,1.png\",\"say \"\"hi\"\"\"\r\n,empty\n")
    put("dataset", "1.tsv", b"\x01text\tfile_name\tx\nhello\t/dev/null\t1\n")
    put("dataset", "2.jsonl", b'\x02{"file_name": "a.png", "text": "hi"}\n{"text": 3}\nnot json\n')
    # Inputs that found bugs, reduced (docs/security.md): kept as seeds, and as tests in tests/.
    put("fields", "regression-number-overflow.json", "[2e147483648]")
    put("preprocessor_config", "regression-number-overflow.json", '{"rescale_factor": 1e400}')
    put("dataset", "regression-cut-utf8.tsv", b"\x01\xde")
    put("fields", "names.json", json.dumps(["surname", "first name", "date"]))
    put("fields", "objects.json", json.dumps({"fields": [
        {"index": 3, "name": "date"}, {"x": 25.5, "y": 45, "name": "surname"}, "x"]}))
    # template: width, height (each 1 + byte % 64), then BGRA pixels: a red outline on clear.
    w, h = 40, 20
    px = bytearray(w * h * 4)
    for y in range(h):
        for x in range(w):
            if (y in (3, 15) and 4 <= x <= 30) or (x in (4, 30) and 3 <= y <= 15):
                px[(y * w + x) * 4:(y * w + x) * 4 + 4] = bytes([20, 30, 220, 255])
    put("template", "red_box", bytes([w - 1, h - 1]) + bytes(px))


if __name__ == "__main__":
    main()
