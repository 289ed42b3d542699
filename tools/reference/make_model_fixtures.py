#!/usr/bin/env python3
"""Tiny random TrOCR checkpoints and what transformers computes on them.

Run with the reference venv (tools/reference/setup.sh):
    tools/reference/.venv/bin/python tools/reference/make_model_fixtures.py

For every architecture variant found in real TrOCR checkpoints (ENGINEERING.md §3) this writes
    tests/fixtures/models/<variant>/      config.json, model.safetensors, pytorch_model.bin,
                                          preprocessor_config.json, generation_config.json,
                                          tokenizer files (copied from tests/fixtures/tokenizers)
    tests/fixtures/reference/<variant>.safetensors   pixel_values, decoder_input_ids,
                                          encoder_last_hidden_state, logits (all fp32 / int64)
    tests/fixtures/reference/<variant>.json          versions, num_parameters, tying, margins
Half-precision variants store their weights in fp16 / bf16; their reference is computed by
transformers on the same stored weights upcast to fp32.

The C++ tests compare against these files; they are regenerated only by this script.
"""
import argparse
import json
import math
import shutil
from pathlib import Path

import numpy as np
import PIL
import safetensors
import safetensors.torch
import torch
import transformers
from PIL import Image
from transformers import (TrOCRConfig, ViTConfig, DeiTConfig, ViTImageProcessor,
                          VisionEncoderDecoderConfig, VisionEncoderDecoderModel)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"

# Real images, committed with the image-processor fixtures (tools/reference/make_image_fixtures.py),
# so that the C++ tests can run the whole pipeline, image file to tokens, on them too.
IMAGE_FILES = ["bilevel_template.png", "photo_rgb.jpg", "table_rgb.png"]

VARIANTS = {
    # trocr-base/large-like: ViT without qkv bias, sinusoidal positions, scaled embeddings, no
    # embedding layernorm, decoder wider than the encoder with cross_attention_hidden_size.
    "vit-trocr": dict(
        encoder=dict(kind="vit", hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=64, qkv_bias=False, layer_norm_eps=1e-12,
                     hidden_act="gelu", image_size=32, patch_size=8),
        decoder=dict(d_model=48, decoder_layers=2, decoder_attention_heads=4, decoder_ffn_dim=64,
                     activation_function="relu", use_learned_position_embeddings=False,
                     layernorm_embedding=False, scale_embedding=True,
                     cross_attention_hidden_size=32, tie_word_embeddings=False,
                     max_position_embeddings=64),
        tokenizer="roberta-bpe", dtype=None),
    # trocr-small-like: DeiT (cls + distillation token) with qkv bias, learned positions
    # (offset 2), embedding layernorm, SentencePiece vocabulary in the XLM-R layout.
    "deit-trocr": dict(
        encoder=dict(kind="deit", hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=64, qkv_bias=True, layer_norm_eps=1e-12,
                     hidden_act="gelu", image_size=32, patch_size=8),
        decoder=dict(d_model=24, decoder_layers=2, decoder_attention_heads=4, decoder_ffn_dim=48,
                     activation_function="relu", use_learned_position_embeddings=True,
                     layernorm_embedding=True, scale_embedding=True,
                     cross_attention_hidden_size=32, tie_word_embeddings=False,
                     max_position_embeddings=64),
        tokenizer="xlmr-spm", dtype=None),
    # The odd corners: non-square image, patch 8, gelu decoder, tied output projection, and no
    # cross_attention_hidden_size, so VisionEncoderDecoder adds enc_to_dec_proj.
    "odd": dict(
        encoder=dict(kind="vit", hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=48, qkv_bias=True, layer_norm_eps=1e-6,
                     hidden_act="gelu", image_size=[16, 48], patch_size=8),
        decoder=dict(d_model=40, decoder_layers=2, decoder_attention_heads=5, decoder_ffn_dim=56,
                     activation_function="gelu", use_learned_position_embeddings=True,
                     layernorm_embedding=True, scale_embedding=False,
                     cross_attention_hidden_size=None, tie_word_embeddings=True,
                     max_position_embeddings=40),
        tokenizer="roberta-bpe", dtype=None),
}
# Same architectures, weights stored in half precision (fp16 safetensors, bf16 torch .bin).
VARIANTS["vit-trocr-fp16"] = dict(VARIANTS["vit-trocr"], dtype="float16", seed_from="vit-trocr")
VARIANTS["deit-trocr-bf16"] = dict(VARIANTS["deit-trocr"], dtype="bfloat16", seed_from="deit-trocr")

FALLBACK_VOCAB = 1000
EOS_BOOST = 2.0
MIN_MARGIN = 2e-3
GREEDY_NEW_TOKENS = 16


def tokenizer_dir(name):
    return FIXTURES / "tokenizers" / name


def vocab_size_of(name):
    folder = tokenizer_dir(name)
    if not folder.exists():
        print(f"  warning: {folder} missing; using vocab {FALLBACK_VOCAB} and no tokenizer files")
        return FALLBACK_VOCAB
    tok = transformers.AutoTokenizer.from_pretrained(folder)
    return len(tok)


def make_config(spec, vocab_size):
    enc = dict(spec["encoder"])
    kind = enc.pop("kind")
    enc_config = (ViTConfig if kind == "vit" else DeiTConfig)(**enc, num_channels=3)
    dec = dict(spec["decoder"])
    dec_config = TrOCRConfig(vocab_size=vocab_size, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                             decoder_start_token_id=2, **dec)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc_config, dec_config)
    config.decoder_start_token_id = 2
    config.pad_token_id = 1
    config.eos_token_id = 2
    return config


@torch.no_grad()
def spread_init(model, seed):
    """Wider-than-usual random weights: with std 0.02 the logits are nearly uniform and an argmax
    could flip on a rounding difference, which would make parity tests prove little."""
    g = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():
        if name.endswith("layernorm.weight") or "layer_norm" in name or "layernorm" in name:
            if name.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
        elif name.endswith("bias"):
            p.copy_(0.2 * torch.randn(p.shape, generator=g))
        elif p.dim() == 2 and "embed" not in name and "position" not in name:
            p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[1]) * 1.2)
        else:  # embeddings, tokens, patch convolution
            p.copy_(torch.randn(p.shape, generator=g) * 0.8)
    model.tie_weights()
    # Make EOS a likely token so that rows of a batch end at different lengths, which the
    # generation tests need (random weights otherwise loop until max_new_tokens).
    eos = model.config.decoder.eos_token_id
    model.decoder.model.decoder.embed_tokens.weight[eos] *= 1.5
    if not model.decoder.config.tie_word_embeddings:
        model.decoder.output_projection.weight[eos] *= EOS_BOOST


def real_images():
    # As TrOCR users call it: Image.open(path).convert("RGB").
    return [Image.open(FIXTURES / "images" / name).convert("RGB") for name in IMAGE_FILES]


def decoder_inputs(vocab, pad_id, start_id, rows, length, seed):
    """Teacher-forcing inputs like shift_tokens_right(labels): start token, then ids; one row ends
    in padding so the pad-aware sinusoidal positions are exercised."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, vocab, (rows, length), generator=g)
    ids[:, 0] = start_id
    if rows > 1:
        ids[1, length - 3:] = pad_id
    return ids


def logits_margin(logits):
    top2 = torch.topk(logits, 2, dim=-1).values
    return float((top2[..., 0] - top2[..., 1]).min())


def random_model(spec, vocab, seed):
    """The variant's model with spread-out random weights, rounded through the stored dtype so
    that the reference is computed from exactly the values the checkpoint holds."""
    config = make_config(spec, vocab)
    torch.manual_seed(seed)
    model = VisionEncoderDecoderModel(config=config).eval()
    spread_init(model, seed)
    if spec["dtype"]:
        model = model.to(getattr(torch, spec["dtype"]))
    return model


def greedy_run(model, pixel_values):
    with torch.no_grad():
        out = model.float().generate(pixel_values, max_new_tokens=GREEDY_NEW_TOKENS, num_beams=1,
                                     do_sample=False, output_scores=True,
                                     return_dict_in_generate=True)
    margin = min(float((torch.topk(s, 2).values[:, 0] - torch.topk(s, 2).values[:, 1]).min())
                 for s in out.scores)
    return out.sequences, margin


def processor_for(spec):
    size = spec["encoder"]["image_size"]
    height, width = (size, size) if isinstance(size, int) else size
    return ViTImageProcessor(size={"height": height, "width": width}, resample=2,
                             do_normalize=True, image_mean=[0.5] * 3, image_std=[0.5] * 3)


def write_checkpoint(out, model, spec):
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    dtype = spec["dtype"]
    if dtype == "float16" or dtype is None:
        model.save_pretrained(out, safe_serialization=True)
    if dtype == "bfloat16" or dtype is None:
        # torch.save of the state dict keeps tied tensors as one shared storage, as older
        # transformers checkpoints do.
        torch.save(model.state_dict(), out / "pytorch_model.bin")
        if dtype:
            model.config.save_pretrained(out)
    processor_for(spec).save_pretrained(out)
    if tokenizer_dir(spec["tokenizer"]).exists():
        for f in tokenizer_dir(spec["tokenizer"]).iterdir():
            if f.name != "expected.json":
                shutil.copy(f, out / f.name)
    model.generation_config.save_pretrained(out)


def write_variant(name, spec, seed):
    vocab = vocab_size_of(spec["tokenizer"])
    pixel_values = processor_for(spec)(real_images(), return_tensors="pt").pixel_values
    # Keep only weights whose greedy path has clear top-1/top-2 margins (ENGINEERING.md §3).
    for attempt in range(40):
        model = random_model(spec, vocab, seed + 101 * attempt)
        greedy, greedy_margin = greedy_run(model, pixel_values)
        if greedy_margin >= MIN_MARGIN:
            break
    else:
        raise SystemExit(f"{name}: no seed gave a greedy margin >= {MIN_MARGIN}")
    seed += 101 * attempt
    model = random_model(spec, vocab, seed)  # fresh, in the stored dtype
    out = FIXTURES / "models" / name
    write_checkpoint(out, model, spec)
    stored_keys = sorted(model.state_dict().keys())
    model = model.float()

    config = model.config
    ids = decoder_inputs(vocab, config.pad_token_id, config.decoder_start_token_id,
                         pixel_values.shape[0], 9, seed + 1)
    with torch.no_grad():
        result = model(pixel_values=pixel_values, decoder_input_ids=ids)
    reference = {
        "pixel_values": pixel_values.contiguous(),
        "decoder_input_ids": ids.contiguous(),
        "encoder_last_hidden_state": result.encoder_last_hidden_state.contiguous(),
        "logits": result.logits.contiguous(),
        # generate() output: start token, tokens, EOS, then pad for rows that ended early.
        "greedy_sequences": greedy.contiguous(),
    }
    ref_dir = FIXTURES / "reference"
    ref_dir.mkdir(parents=True, exist_ok=True)
    safetensors.torch.save_file(reference, ref_dir / f"{name}.safetensors")
    tied = (model.decoder.output_projection.weight.data_ptr()
            == model.decoder.model.decoder.embed_tokens.weight.data_ptr())
    info = {
        "variant": name,
        "seed": seed,
        "images": [f"images/{name}" for name in IMAGE_FILES],
        "stored_dtype": spec["dtype"] or "float32",
        "num_parameters": model.num_parameters(),
        "output_projection_tied": tied,
        "has_enc_to_dec_proj": hasattr(model, "enc_to_dec_proj"),
        "state_dict_keys": stored_keys,
        "min_top1_top2_logit_margin": logits_margin(result.logits),
        "greedy": {"max_new_tokens": GREEDY_NEW_TOKENS, "min_top1_top2_margin": greedy_margin},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "safetensors": safetensors.__version__, "pillow": PIL.__version__,
                     "numpy": np.__version__},
        "made_by": "tools/reference/make_model_fixtures.py",
    }
    (ref_dir / f"{name}.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"  {name}: {info['num_parameters']} parameters, vocab {vocab}, tied={tied}, "
          f"seed {seed}, greedy margin {greedy_margin:.4f}")
    print("   greedy:", greedy.tolist())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="variants to write (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for index, (name, spec) in enumerate(VARIANTS.items()):
        if args.only and name not in args.only:
            continue
        base = spec.get("seed_from", name)
        write_variant(name, spec, seed=1000 + list(VARIANTS).index(base))


if __name__ == "__main__":
    main()
