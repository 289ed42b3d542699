#!/usr/bin/env python3
"""What one training step computes in PyTorch, for the parity tests of `mlxocr train`.

Run with the reference venv (tools/reference/setup.sh), after make_model_fixtures.py:
    tools/reference/.venv/bin/python tools/reference/make_training_fixtures.py

Writes tests/fixtures/training/:
  <variant>.safetensors   the batch as the common TrOCR fine-tuning recipe builds it
                          (pixel_values from TrOCRProcessor, labels = tokenizer(texts, padding,
                          truncation, max_length) with padding -> -100, decoder_input_ids =
                          shift_tokens_right(labels, pad, decoder_start)), the loss
                          (CrossEntropyLoss(ignore_index=-100, label_smoothing)) and the gradient
                          of every parameter ("grad.<transformers name>"), dropout off.
  <variant>.json          texts, images, settings, losses, versions.
  adamw.safetensors/json  torch.optim.AdamW + clip_grad_norm_ + get_linear_schedule_with_warmup
                          on small synthetic tensors for three steps (params after each step).
  steps.json / steps.safetensors  three whole training steps on vit-trocr (same batch each step):
                          the loss of each step and a few parameters after the third.
"""
import json
from pathlib import Path

import safetensors.torch
import torch
import transformers
from PIL import Image
from transformers import (AutoTokenizer, TrOCRProcessor, ViTImageProcessor,
                          VisionEncoderDecoderModel, get_linear_schedule_with_warmup)
from transformers.models.vision_encoder_decoder.modeling_vision_encoder_decoder import \
    shift_tokens_right

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
OUT = FIXTURES / "training"

VARIANTS = ["vit-trocr", "deit-trocr", "odd", "vit-trocr-fp16", "deit-trocr-bf16"]
IMAGES = ["photo_rgb.jpg", "table_rgb.png", "small_96x32.png"]
# Different lengths, one cut by max_target_length, one character only.
TEXTS = ["Hello, world!", "Invoice 2024-03-15: 1,234.56 EUR and more words here", "a"]
MAX_TARGET_LENGTH = 12
LABEL_SMOOTHING = 0.1

ADAMW = dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05)
WARMUP, TOTAL, MAX_NORM = 2, 6, 1.0
STEP_TENSORS = ["encoder.embeddings.cls_token",
                "encoder.encoder.layer.0.attention.attention.query.weight",
                "decoder.model.decoder.layers.0.self_attn.k_proj.weight",
                "decoder.model.decoder.layers.1.fc1.bias",
                "decoder.output_projection.weight"]


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__}


def load(variant):
    folder = FIXTURES / "models" / variant
    if (folder / "model.safetensors").exists():
        model = VisionEncoderDecoderModel.from_pretrained(folder, torch_dtype=torch.float32)
    else:
        # transformers 4.53 refuses torch.load under torch < 2.6; the weights-only loader of
        # torch itself is safe for a file we wrote, and upcasting mirrors what from_pretrained does.
        config = transformers.VisionEncoderDecoderConfig.from_pretrained(folder)
        model = VisionEncoderDecoderModel(config)
        state = torch.load(folder / "pytorch_model.bin", weights_only=True)
        model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
        model.tie_weights()
    model.eval()  # dropout off: the parity tests compare deterministic gradients
    processor = TrOCRProcessor(image_processor=ViTImageProcessor.from_pretrained(folder),
                               tokenizer=AutoTokenizer.from_pretrained(folder))
    return model, processor


def make_batch(model, processor):
    images = [Image.open(FIXTURES / "images" / name).convert("RGB") for name in IMAGES]
    pixel_values = processor(images=images, return_tensors="pt").pixel_values
    labels = processor.tokenizer(TEXTS, padding=True, truncation=True,
                                 max_length=MAX_TARGET_LENGTH, return_tensors="pt").input_ids
    labels[labels == processor.tokenizer.pad_token_id] = -100
    decoder_input_ids = shift_tokens_right(labels, model.config.pad_token_id,
                                           model.config.decoder_start_token_id)
    return pixel_values, labels, decoder_input_ids


def loss_of(model, batch, smoothing):
    pixel_values, labels, decoder_input_ids = batch
    logits = model(pixel_values=pixel_values, decoder_input_ids=decoder_input_ids).logits
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=smoothing)
    return loss_fn(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))


def make_variant(variant):
    model, processor = load(variant)
    batch = make_batch(model, processor)
    with torch.no_grad():
        plain = loss_of(model, batch, 0.0).item()
        # transformers' own loss (labels given) is the unsmoothed cross-entropy.
        hf_loss = model(pixel_values=batch[0], labels=batch[1]).loss.item()
    model.zero_grad()
    loss = loss_of(model, batch, LABEL_SMOOTHING)
    loss.backward()
    tensors = {"pixel_values": batch[0].contiguous(), "labels": batch[1].contiguous(),
               "decoder_input_ids": batch[2].contiguous()}
    grad_norms = {}
    for name, param in model.named_parameters():
        grad = param.grad if param.grad is not None else torch.zeros_like(param)
        tensors["grad." + name] = grad.detach().contiguous()
        grad_norms[name] = grad.norm().item()
    safetensors.torch.save_file(tensors, OUT / f"{variant}.safetensors")
    record = dict(versions=versions(), images=IMAGES, texts=TEXTS,
                  max_target_length=MAX_TARGET_LENGTH, label_smoothing=LABEL_SMOOTHING,
                  loss=loss.item(), loss_no_smoothing=plain, transformers_loss=hf_loss,
                  parameters=[n for n, _ in model.named_parameters()])
    (OUT / f"{variant}.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"{variant}: loss {loss.item():.6f} (no smoothing {plain:.6f}, hf {hf_loss:.6f}), "
          f"{len(record['parameters'])} parameters")


def make_adamw():
    torch.manual_seed(7)
    shapes = [(5, 7), (7,), (3, 4, 2)]
    params = [torch.nn.Parameter(torch.randn(s)) for s in shapes]
    optimizer = torch.optim.AdamW(params, **ADAMW)
    scheduler = get_linear_schedule_with_warmup(optimizer, WARMUP, TOTAL)
    tensors = {f"initial.{i}": p.detach().clone() for i, p in enumerate(params)}
    lrs, norms = [], []
    for step, scale in enumerate([3.0, 0.05, 1.0]):  # clipped, not clipped, clipped
        for i, p in enumerate(params):
            p.grad = torch.randn(p.shape) * scale
            tensors[f"grad.{step}.{i}"] = p.grad.clone()
        norms.append(torch.nn.utils.clip_grad_norm_(params, MAX_NORM).item())
        lrs.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
        for i, p in enumerate(params):
            tensors[f"param.{step}.{i}"] = p.detach().clone()
    safetensors.torch.save_file(tensors, OUT / "adamw.safetensors")
    record = dict(versions=versions(), **ADAMW, warmup_steps=WARMUP, total_steps=TOTAL,
                  max_norm=MAX_NORM, lrs=lrs, grad_norms=norms, num_params=len(params))
    record["betas"] = list(ADAMW["betas"])
    (OUT / "adamw.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"adamw: lrs {lrs}, norms {norms}")


def make_steps(variant="vit-trocr"):
    model, processor = load(variant)
    batch = make_batch(model, processor)
    optimizer = torch.optim.AdamW(model.parameters(), **ADAMW)
    scheduler = get_linear_schedule_with_warmup(optimizer, 1, TOTAL)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = loss_of(model, batch, LABEL_SMOOTHING)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    with torch.no_grad():
        losses.append(loss_of(model, batch, LABEL_SMOOTHING).item())
    named = dict(model.named_parameters())
    safetensors.torch.save_file({n: named[n].detach().contiguous() for n in STEP_TENSORS},
                                OUT / "steps.safetensors")
    record = dict(versions=versions(), variant=variant, **ADAMW, warmup_steps=1,
                  total_steps=TOTAL, max_norm=MAX_NORM, label_smoothing=LABEL_SMOOTHING,
                  losses=losses, tensors=STEP_TENSORS)
    record["betas"] = list(ADAMW["betas"])
    (OUT / "steps.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"steps: losses {losses}")


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    OUT.mkdir(parents=True, exist_ok=True)
    for variant in VARIANTS:
        make_variant(variant)
    make_adamw()
    make_steps()


if __name__ == "__main__":
    main()
