#!/usr/bin/env python3
"""What transformers' generate() gives on the committed tiny checkpoints, for the generation tests.

Run with the reference venv (tools/reference/setup.sh):
    tools/reference/.venv/bin/python tools/reference/make_generation_fixtures.py

Reads the checkpoints of tests/fixtures/models/ (made by make_model_fixtures.py, not changed here)
and writes
    tests/fixtures/generation/<variant>.json   for every setting (greedy, beams, processors) and
        every image: the generated ids (no start token, EOS kept), the log-softmax of the raw model
        logits at each of them, sequences_scores for beams, and the decision margins met on the way
    tests/fixtures/generation/configs/<case>/  config.json / generation_config.json pairs and the
        generation settings transformers resolves from them (expected.json)

Each image is generated alone (batch of one). transformers' batched beam search stops all images
together (its stopping test is global), so an image decoded next to others can differ from the
same image decoded alone; mlxocr gives every image its batch-of-one result, and that is what is
recorded here.

Random weights give near-ties: a decision (argmax, beam ranking, which finished hypothesis wins,
whether beam search stops) taken on a difference below MARGIN_THRESHOLD could flip on a rounding
difference, and a match there proves nothing. Each result records its smallest decision margin; a
result below the threshold is kept but marked "dropped" with the reason, and the tests skip it.
"""
import argparse
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import PIL
import safetensors
import torch
import transformers
from PIL import Image
from transformers import (GenerationConfig, VisionEncoderDecoderConfig, VisionEncoderDecoderModel,
                          ViTImageProcessor)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
OUT = FIXTURES / "generation"

VARIANTS = ["vit-trocr", "deit-trocr", "odd", "vit-trocr-fp16", "deit-trocr-bf16"]
# Besides the images of tests/fixtures/reference/<variant>.json: two more committed images on
# which deit-trocr (the EOS-prone variant) ends early, so beams finish at different lengths.
EXTRA_IMAGES = ["images/gray16.png", "images/small_96x32.png"]
MARGIN_THRESHOLD = 1e-3
# A score at or below this is one of transformers' -1e9 placeholders (empty or blocked slots).
PLACEHOLDER = -1e8


def settings_for(bad_words_ids):
    s = [
        ("greedy", dict(num_beams=1, max_new_tokens=16)),
        ("greedy_max_new_tokens_5", dict(num_beams=1, max_new_tokens=5)),
        ("greedy_min_new_tokens_4", dict(num_beams=1, min_new_tokens=4, max_new_tokens=12)),
        ("greedy_no_repeat_ngram_3", dict(num_beams=1, no_repeat_ngram_size=3, max_new_tokens=16)),
        ("greedy_repetition_penalty_1.3",
         dict(num_beams=1, repetition_penalty=1.3, max_new_tokens=16)),
        ("greedy_bad_words", dict(num_beams=1, bad_words_ids=bad_words_ids, max_new_tokens=16)),
    ]
    for beams in (2, 4):
        for lp in (1.0, 2.0):
            for es in (True, False):
                s.append((f"beams{beams}_lp{lp}_es_{str(es).lower()}",
                          dict(num_beams=beams, length_penalty=lp, early_stopping=es,
                               max_new_tokens=12)))
    s += [
        ("beams4_lp1.0_es_never",
         dict(num_beams=4, length_penalty=1.0, early_stopping="never", max_new_tokens=12)),
        ("beams3_lp-1.0_es_never",
         dict(num_beams=3, length_penalty=-1.0, early_stopping="never", max_new_tokens=10)),
        ("beams4_return_2", dict(num_beams=4, num_return_sequences=2, max_new_tokens=12)),
        ("beams4_no_repeat_ngram_3", dict(num_beams=4, no_repeat_ngram_size=3, max_new_tokens=12)),
        ("beams4_repetition_penalty_1.3",
         dict(num_beams=4, repetition_penalty=1.3, max_new_tokens=12)),
        ("beams4_bad_words", dict(num_beams=4, bad_words_ids=bad_words_ids, max_new_tokens=12)),
        ("beams4_min_new_tokens_3", dict(num_beams=4, min_new_tokens=3, max_new_tokens=10)),
        ("beams4_max_new_tokens_4", dict(num_beams=4, max_new_tokens=4)),
    ]
    # Early stopping only changes results when beams finish at different steps and a later
    # hypothesis can still win: returning every hypothesis shows the whole finished list, and a
    # repetition penalty below 1 rewards the tokens already present -- the start token is EOS
    # (</s>), so EOS comes early and often.
    for es in (True, False, "never"):
        name = str(es).lower()
        s.append((f"beams4_lp1.0_rp0.6_return_4_es_{name}",
                  dict(num_beams=4, length_penalty=1.0, repetition_penalty=0.6,
                       num_return_sequences=4, early_stopping=es, max_new_tokens=12)))
        s.append((f"beams2_lp2.0_return_2_es_{name}",
                  dict(num_beams=2, length_penalty=2.0, num_return_sequences=2,
                       early_stopping=es, max_new_tokens=12)))
    return s


def load_model(folder):
    """The checkpoint as transformers runs it, in fp32. torch 2.4 cannot go through
    from_pretrained for a pytorch_model.bin (transformers 4.53 wants torch >= 2.6 for torch.load),
    so .bin-only folders are loaded with torch.load(weights_only=True) into a fresh model."""
    if (folder / "model.safetensors").exists():
        model = VisionEncoderDecoderModel.from_pretrained(folder, torch_dtype=torch.float32)
    else:
        config = VisionEncoderDecoderConfig.from_pretrained(folder)
        model = VisionEncoderDecoderModel(config)
        state = torch.load(folder / "pytorch_model.bin", weights_only=True, map_location="cpu")
        missing, unexpected = model.load_state_dict({k: v.float() for k, v in state.items()},
                                                    strict=False)
        missing = [k for k in missing if k != "decoder.output_projection.weight"
                   or not config.decoder.tie_word_embeddings]
        if missing or unexpected:
            raise SystemExit(f"{folder}: missing {missing}, unexpected {unexpected}")
        model.tie_weights()
        model.generation_config = GenerationConfig.from_pretrained(folder)
    return model.float().eval()


class BeamMargins:
    """Wraps the steps of transformers' _beam_search to measure how far each decision was from
    flipping: which 2*num_beams candidates are kept, which of them run on, which just-finished
    ones enter the finished list, and the stop test."""

    def __init__(self, model, num_return_sequences):
        self.num_return_sequences = num_return_sequences
        self.boundary = None
        self.values = {"candidates": math.inf, "running": math.inf, "finish_mask": math.inf,
                       "finished": math.inf, "stop": math.inf}
        self.model = model
        self.num_beams = None
        top_k = model._get_top_k_continuations
        update = model._update_finished_beams
        stop = model._beam_search_has_unfinished_sequences

        def top_k_hook(**kw):
            acc = kw["accumulated_log_probs"][0]
            keep = kw["beams_to_keep"]
            self.num_beams = kw["num_beams"]
            v = torch.sort(acc, descending=True).values[: keep + 1]
            self.boundary = None
            if v[keep - 1] > PLACEHOLDER and torch.isfinite(v[keep]):
                self.boundary = v[keep - 1] - v[keep]
            return top_k(**kw)

        def update_hook(**kw):
            k = kw["num_beams"]
            top = kw["topk_log_probs"][0]
            hits = kw["next_token_hits_stopping_criteria"][0]
            # Whether a candidate counts as just finished depends on its rank being < num_beams.
            if (hits[k - 1] or hits[k]) and top[k] > PLACEHOLDER:
                self.note("finish_mask", top[k - 1] - top[k])
            # Running beams: the best num_beams of the candidates that did not stop.
            alive = top[~hits]
            alive = alive[alive > PLACEHOLDER]
            if alive.numel() > k:
                self.note("running", alive[k - 1] - alive[k])
            elif self.boundary is not None:
                # Too few candidates run on: the last of the 2*num_beams kept does, so the
                # boundary of that selection is a decision too.
                self.note("candidates", self.boundary)
            out = update(**kw)
            self.finished_scores = out[1][0].clone()
            # The finished list: the best num_beams of old and new finished hypotheses.
            cur_len, prompt = kw["cur_len"], kw["decoder_prompt_len"]
            lp = kw["length_penalty"]
            new = top[hits[: top.shape[0]] & (torch.arange(top.shape[0]) < k)]
            new = new / ((cur_len + 1 - prompt) ** lp)
            full = bool(kw["is_sent_finished"][0].all()) and kw["early_stopping"] is True
            old = kw["beam_scores"][0][kw["is_sent_finished"][0]]
            merged = torch.cat([old, new if not full else new[:0]])
            merged = torch.sort(merged, descending=True).values
            # Which hypothesis is the worst kept matters to the output only when all num_beams
            # are returned (ranks never rise); otherwise "returned" below checks the output.
            if merged.numel() > k and self.num_return_sequences == k:
                self.note("finished", merged[k - 1] - merged[k])
            return out

        def stop_hook(running_beam_scores, beam_scores, is_sent_finished,
                      next_token_hits_stopping_criteria, cur_len, max_length, decoder_prompt_len,
                      early_stopping, length_penalty):
            if bool(is_sent_finished.all()) and early_stopping is not True and not bool(
                    next_token_hits_stopping_criteria.all()):
                if early_stopping == "never" and length_penalty > 0.0:
                    best_len = max_length - decoder_prompt_len
                else:
                    best_len = cur_len - decoder_prompt_len
                best = running_beam_scores[0, 0] / (best_len ** length_penalty)
                self.note("stop", abs(best - beam_scores[0].min()))
            return stop(running_beam_scores, beam_scores, is_sent_finished,
                        next_token_hits_stopping_criteria, cur_len, max_length,
                        decoder_prompt_len, early_stopping, length_penalty)

        model._get_top_k_continuations = top_k_hook
        model._update_finished_beams = update_hook
        model._beam_search_has_unfinished_sequences = stop_hook

    def note(self, kind, value):
        self.values[kind] = min(self.values[kind], float(value))

    def restore(self):
        for name in ("_get_top_k_continuations", "_update_finished_beams",
                     "_beam_search_has_unfinished_sequences"):
            delattr(self.model, name)


def trim(sequence, eos, pad):
    """Generated ids without the start token, up to and including the first EOS (generate() pads
    shorter sequences after their EOS; a sequence without EOS has the full length)."""
    out = []
    for token in sequence[1:]:
        out.append(token)
        if token == eos:
            break
    return out


@torch.no_grad()
def token_logprobs(model, pixel_values, start, generated):
    """log_softmax of the raw model logits at each generated token (teacher forcing)."""
    ids = torch.tensor([[start] + generated[:-1]])
    logits = model(pixel_values=pixel_values, decoder_input_ids=ids).logits[0].float()
    lp = torch.log_softmax(logits, dim=-1)
    return [float(lp[t, tok]) for t, tok in enumerate(generated)]


def rounded(x):
    return float(f"{x:.7g}")


@torch.no_grad()
def run_setting(model, pixel_values, kwargs):
    config = model.generation_config
    beams = kwargs.get("num_beams", 1) > 1
    n = kwargs.get("num_return_sequences", 1)
    margins = BeamMargins(model, n) if beams else None
    try:
        out = model.generate(pixel_values, do_sample=False, output_scores=True,
                             return_dict_in_generate=True, **kwargs)
    finally:
        if margins:
            margins.restore()
    eos, pad, start = config.eos_token_id, config.pad_token_id, config.decoder_start_token_id
    sequences = [trim(s.tolist(), eos, pad) for s in out.sequences]
    result = {
        "sequences": sequences,
        "token_logprobs": [[rounded(v) for v in token_logprobs(model, pixel_values, start, s)]
                           for s in sequences],
        "finished": [bool(s and s[-1] == eos) for s in sequences],
    }
    if beams:
        scores = out.sequences_scores.tolist()
        result["sequence_scores"] = [rounded(v) for v in scores]
        m = margins.values
        # Which finished hypotheses are returned, and in which order.
        final = [v for v in margins.finished_scores.tolist() if v > PLACEHOLDER]
        for rank in range(min(n, len(final) - 1)):
            m["returned"] = min(m.get("returned", math.inf), final[rank] - final[rank + 1])
        result["margins"] = {k: rounded(v) for k, v in m.items() if math.isfinite(v)}
    else:
        # Greedy: top-1 minus top-2 of the processed scores at every step of the path.
        margin = math.inf
        for step in out.scores:
            top2 = torch.topk(step[0], 2).values
            if torch.isfinite(top2[1]):
                margin = min(margin, float(top2[0] - top2[1]))
        result["margins"] = {"top1_top2": rounded(margin)} if math.isfinite(margin) else {}
    smallest = min(result["margins"].values(), default=math.inf)
    result["min_margin"] = rounded(smallest) if math.isfinite(smallest) else None
    if smallest < MARGIN_THRESHOLD:
        kind = min(result["margins"], key=result["margins"].get)
        result["dropped"] = f"{kind} margin {smallest:.2e} < {MARGIN_THRESHOLD:g}"
    return result


def pick_bad_words(greedy_paths, eos):
    """A single token and a two-token sequence that the greedy paths actually produce."""
    counts = Counter(t for path in greedy_paths for t in path if t != eos)
    single = counts.most_common(1)[0][0]
    for path in greedy_paths:
        for a, b in zip(path, path[1:]):
            if single not in (a, b) and eos not in (a, b):
                return [[single], [a, b]]
    return [[single]]


def write_variant(name):
    folder = FIXTURES / "models" / name
    info = json.loads((FIXTURES / "reference" / f"{name}.json").read_text())
    images = info["images"] + EXTRA_IMAGES
    model = load_model(folder)
    processor = ViTImageProcessor.from_pretrained(folder)
    pixels = [processor(Image.open(FIXTURES / im).convert("RGB"), return_tensors="pt").pixel_values
              for im in images]
    eos = model.generation_config.eos_token_id
    with torch.no_grad():
        greedy = [trim(model.generate(pv, num_beams=1, do_sample=False,
                                      max_new_tokens=16)[0].tolist(), eos,
                       model.generation_config.pad_token_id) for pv in pixels]
    bad_words = pick_bad_words(greedy, eos)
    settings = []
    kept = dropped = 0
    for setting, kwargs in settings_for(bad_words):
        results = []
        for image, pv in zip(images, pixels):
            r = {"image": image, **run_setting(model, pv, kwargs)}
            kept += "dropped" not in r
            dropped += "dropped" in r
            results.append(r)
        settings.append({"name": setting, "generate_kwargs": kwargs, "results": results})
    record = {
        "variant": name,
        "images": images,
        "margin_threshold": MARGIN_THRESHOLD,
        "settings": settings,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "safetensors": safetensors.__version__, "pillow": PIL.__version__,
                     "numpy": np.__version__},
        "made_by": "tools/reference/make_generation_fixtures.py",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, separators=(",", ":"))
    # One result per line: small, and a regenerated fixture diffs readably.
    text = text.replace(',{"image"', ',\n{"image"').replace(',{"name"', ',\n{"name"')
    (OUT / f"{name}.json").write_text(text + "\n")
    print(f"  {name}: {len(settings)} settings x {len(images)} images, {kept} kept, "
          f"{dropped} dropped (margin < {MARGIN_THRESHOLD:g}); bad words {bad_words}")


# --- generation settings from config.json / generation_config.json -------------------------------

RESOLVED_KEYS = ["max_length", "max_new_tokens", "min_length", "min_new_tokens", "do_sample",
                 "early_stopping", "num_beams", "temperature", "top_k", "top_p",
                 "repetition_penalty", "length_penalty", "no_repeat_ngram_size", "bad_words_ids",
                 "num_return_sequences", "decoder_start_token_id", "bos_token_id", "eos_token_id",
                 "pad_token_id"]
TUTORIAL = {"max_length": 64, "early_stopping": True, "no_repeat_ngram_size": 3,
            "length_penalty": 2.0, "num_beams": 4}
IDS_ONLY = {"_from_model_config": True, "bos_token_id": 0, "decoder_start_token_id": 2,
            "eos_token_id": 2, "pad_token_id": 1, "transformers_version": "4.53.1"}
CONFIG_CASES = {
    # A checkpoint saved by transformers >= 4.26 with nothing but the ids: transformers' defaults.
    "ids_only": (None, IDS_ONLY),
    # An older fine-tune (the TrOCR tutorials) that sets generation in config.json and has no
    # generation_config.json.
    "legacy_config_only": (TUTORIAL, None),
    # Same, re-saved by newer transformers: generation_config.json derived from the model config
    # (_from_model_config) with only the ids; transformers goes back to config.json's settings.
    "legacy_with_derived_file": (TUTORIAL, IDS_ONLY),
    # An explicit generation_config.json wins over config.json.
    "explicit_file_wins": (TUTORIAL, {"decoder_start_token_id": 2, "eos_token_id": 2,
                                      "pad_token_id": 1, "num_beams": 3, "max_new_tokens": 40,
                                      "early_stopping": "never", "repetition_penalty": 1.2,
                                      "bad_words_ids": [[5], [7, 8]]}),
    # Generation settings stored in the decoder's sub-config only.
    "decoder_subconfig": ({"decoder": {"max_length": 50, "num_beams": 2, "length_penalty": 0.5}},
                          None),
    # An old max_length <= 20: mlxocr does not let it cut fields (128 new tokens, capped).
    "short_max_length": (None, {"decoder_start_token_id": 2, "eos_token_id": [2],
                                "pad_token_id": 1, "max_length": 16, "min_length": 3,
                                "do_sample": True, "top_k": 0, "top_p": 0.9, "temperature": 0.7}),
}


def resolved_generation_config(folder):
    """The settings generate() runs with, after from_pretrained's loading and generate()'s legacy
    fallback to config.json (_prepare_generation_config), without building the weights."""
    config = VisionEncoderDecoderConfig.from_pretrained(folder)
    model = VisionEncoderDecoderModel(config)
    if (folder / "generation_config.json").exists():
        model.generation_config = GenerationConfig.from_pretrained(folder)
    resolved, _ = model._prepare_generation_config(None)
    return {k: getattr(resolved, k) for k in RESOLVED_KEYS}


def write_config_cases():
    base = json.loads((FIXTURES / "models" / "vit-trocr" / "config.json").read_text())
    for case, (model_changes, generation_file) in CONFIG_CASES.items():
        folder = OUT / "configs" / case
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            stale.unlink()
        config = json.loads(json.dumps(base))
        for key, value in (model_changes or {}).items():
            if key == "decoder":
                config["decoder"].update(value)
            else:
                config[key] = value
        (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        if generation_file is not None:
            (folder / "generation_config.json").write_text(
                json.dumps(generation_file, indent=2) + "\n")
        expected = {"resolved": resolved_generation_config(folder),
                    "transformers": transformers.__version__,
                    "made_by": "tools/reference/make_generation_fixtures.py"}
        (folder / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
        print(f"  configs/{case}: {expected['resolved']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="variants to write (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name in VARIANTS:
        if not args.only or name in args.only:
            write_variant(name)
    if not args.only:
        write_config_cases()


if __name__ == "__main__":
    main()
