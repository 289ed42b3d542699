#!/usr/bin/env python3
"""The PyTorch peer of `mlxocr bench`: the same workload through transformers'
VisionEncoderDecoderModel (fp32, use_cache=True), reported in the same JSON keys.

Runs in the reference venv (tools/reference/setup.sh), never in mlxocr's build or tests.

  torch_bench.py make-model --config bench/configs/trocr-base.json --seed 0 --out DIR
      random weights for the config (transformers' own init, seeded), saved with save_pretrained
      together with the image processor, so mlxocr loads the very same weights
  torch_bench.py lines --out DIR [--count 16]
      line images (PIL text on white) both systems read
  torch_bench.py bench --model DIR --images DIR [--batch-sizes 1,8] [--num-beams 1,4]
      [--new-tokens 32] [--runs 5] [--warmup 1] [--threads N] [--no-limits] [--json FILE]
"""
import argparse
import json
import os
import statistics
import sys
import time


def peak_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def emit_json(record, path):
    """The record to `path`, atomically (temp file + rename), or to stdout when no path is given."""
    text = json.dumps(record, indent=2)
    if not path:
        print(text)
        return
    with open(path + ".tmp", "w") as f:
        f.write(text + "\n")
    os.replace(path + ".tmp", path)


def make_model(args):
    import torch
    from transformers import VisionEncoderDecoderConfig, VisionEncoderDecoderModel, ViTImageProcessor

    with open(args.config) as f:
        config = VisionEncoderDecoderConfig.from_dict(json.load(f))
    torch.manual_seed(args.seed)
    model = VisionEncoderDecoderModel(config).eval()
    model.save_pretrained(args.out, safe_serialization=True)
    size = config.encoder.image_size
    ViTImageProcessor(size={"height": size, "width": size}, resample=2, image_mean=[0.5] * 3,
                      image_std=[0.5] * 3).save_pretrained(args.out)
    print(f"{args.out}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters")


def lines(args):
    from PIL import Image, ImageDraw, ImageFont

    words = ["invoice", "Total", "12.50", "received", "March", "signature", "Street", "No.",
             "4711", "payment"]
    os.makedirs(args.out, exist_ok=True)
    font = ImageFont.load_default(size=36)
    for i in range(args.count):
        text = " ".join(words[(i * 3 + w) % len(words)] for w in range(3 + i % 5))
        width = int(font.getlength(text)) + 32
        image = Image.new("RGB", (width, 64), "white")
        ImageDraw.Draw(image).text((16, 10), text, fill="black", font=font)
        image.save(os.path.join(args.out, f"line_{i:02d}.png"))


def machine_limits(torch):
    def fastest(work, budget):
        work()
        best, start, i = 1e30, time.perf_counter(), 0
        while i < 3 or time.perf_counter() - start < budget:
            t = time.perf_counter()
            work()
            best = min(best, time.perf_counter() - t)
            i += 1
        return best

    n = 2048
    a, b = torch.randn(n, n), torch.randn(n, n)
    sgemm = 2 * n ** 3 / fastest(lambda: torch.mm(a, b), 2.0) / 1e9
    data = torch.rand((512 << 20) // 4)
    bandwidth = data.numel() * 4 / fastest(lambda: data.sum(), 1.0) / 1e9
    return {"sgemm_gflops": sgemm, "read_bandwidth_gbs": bandwidth}


def encoder_flops(config):
    e = config.encoder
    patches = (e.image_size // e.patch_size) ** 2
    s = patches + (2 if e.model_type == "deit" else 1)
    h, ffn = e.hidden_size, e.intermediate_size
    layer = 2 * s * h * 3 * h + 2 * s * h * h + 4 * s * s * h + 4 * s * h * ffn
    patch = 2 * patches * e.num_channels * e.patch_size ** 2 * h
    return patch + e.num_hidden_layers * layer


def decoder_weight_bytes(model):
    # Per-token linear layers, as mlxocr counts them: not the cross-attention keys/values (once
    # per image) nor the embedding table (one row per token).
    total = model.decoder.output_projection.weight.numel() * 4
    for layer in model.decoder.model.decoder.layers:
        for m in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj,
                  layer.self_attn.out_proj, layer.encoder_attn.q_proj, layer.encoder_attn.out_proj,
                  layer.fc1, layer.fc2):
            total += sum(p.numel() * 4 for p in m.parameters())
    return total


def line_images(folder):
    """The image files of `folder`, sorted, and their RGB images (every peer reads the same)."""
    from PIL import Image
    suffixes = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
    files = sorted(f for f in os.listdir(folder) if f.lower().endswith(suffixes))
    if not files:
        sys.exit(f"{folder}: no images in it")
    return files, [Image.open(os.path.join(folder, f)).convert("RGB") for f in files]


def add_workload_arguments(parser):
    """The workload's options, the same for every peer (timed_workload reads them)."""
    parser.add_argument("--images", required=True)
    parser.add_argument("--batch-sizes", default="1,8")
    parser.add_argument("--num-beams", default="1,4")
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0)


def workload_sizes(args):
    """The batch sizes and beam counts of --batch-sizes and --num-beams."""
    return ([int(x) for x in args.batch_sizes.split(",")],
            [int(x) for x in args.num_beams.split(",")])


def timed_workload(model, processor, images, files, args, label):
    """The timed workload of both Python peers (this file and ort_bench.py), on any model with
    transformers' encoder / generate interface: the encoder alone on one image, a greedy decoder
    alone on its states, end to end at each batch size, beam search at batch 1; exactly
    args.new_tokens new tokens each. Images are taken in turn, the same regions in the same order
    for every peer. Returns the samples of each figure and each image file's greedy ids (report.py
    compares the peers' ids)."""
    import torch
    from transformers.modeling_outputs import BaseModelOutput

    batch_sizes, num_beams = workload_sizes(args)
    n = args.new_tokens
    forced = dict(max_new_tokens=n, min_new_tokens=n, use_cache=True, do_sample=False)
    cursor = [0]
    greedy_ids = {}

    def pick(count):
        chosen = [(cursor[0] + i) % len(images) for i in range(count)]
        cursor[0] += count
        pick.files = [files[i] for i in chosen]
        return [images[i] for i in chosen]

    def keep_ids(sequences):
        for name, ids in zip(pick.files, sequences.tolist()):
            greedy_ids[name] = ids

    def run(samples, one, states):
        def add(key, value):
            samples.setdefault(key, []).append(value)

        t = time.perf_counter()
        model.encoder(pixel_values=one)
        add("encoder_ms_per_image", (time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        model.generate(encoder_outputs=BaseModelOutput(last_hidden_state=states), num_beams=1,
                       **forced)
        add("decoder_ms_per_token", (time.perf_counter() - t) * 1000 / n)
        for b in batch_sizes:
            chosen = pick(b)
            t = time.perf_counter()
            pixels = processor(images=chosen, return_tensors="pt").pixel_values
            sequences = model.generate(pixels, num_beams=1, **forced)
            ms = (time.perf_counter() - t) * 1000
            keep_ids(sequences)
            add(f"e2e_ms_per_region_batch{b}", ms / b)
            add(f"regions_per_s_batch{b}", 1000 * b / ms)
        for beams in num_beams:
            if beams > 1:
                chosen = pick(1)
                t = time.perf_counter()
                pixels = processor(images=chosen, return_tensors="pt").pixel_values
                model.generate(pixels, num_beams=beams, **forced)
                add(f"ms_per_region_beams{beams}", (time.perf_counter() - t) * 1000)

    samples = {}
    with torch.inference_mode():
        one = processor(images=pick(1), return_tensors="pt").pixel_values
        states = model.encoder(pixel_values=one).last_hidden_state
        for i in range(args.warmup):  # one greedy region, as mlxocr bench warms up
            print(f"[{label}] warm-up {i + 1}/{args.warmup}", file=sys.stderr)
            model.generate(processor(images=pick(1), return_tensors="pt").pixel_values,
                           num_beams=1, **forced)
        for i in range(args.runs):
            print(f"[{label}] run {i + 1}/{args.runs}", file=sys.stderr)
            run(samples, one, states)
    return samples, greedy_ids


def bench(args):
    t_import = time.perf_counter()
    import torch
    from transformers import VisionEncoderDecoderModel, ViTImageProcessor

    import_ms = (time.perf_counter() - t_import) * 1000
    if args.threads:
        torch.set_num_threads(args.threads)
    batch_sizes, num_beams = workload_sizes(args)
    files, images = line_images(args.images)

    start = time.perf_counter()
    model = VisionEncoderDecoderModel.from_pretrained(args.model).eval()
    load_ms = (time.perf_counter() - start) * 1000
    processor = ViTImageProcessor.from_pretrained(args.model)
    samples, greedy_ids = timed_workload(model, processor, images, files, args, "torch")
    rss = peak_rss_bytes() / 1e6
    metrics = {k: statistics.median(v) for k, v in sorted(samples.items())}
    flops = encoder_flops(model.config)
    weight_bytes = decoder_weight_bytes(model)
    analysis = {"encoder_gflop_per_image": flops / 1e9,
                "encoder_gflops": flops / 1e9 / (metrics["encoder_ms_per_image"] / 1000),
                "decoder_weight_mb_per_token": weight_bytes / 1e6}
    out = {"system": "pytorch", "torch": torch.__version__,
           "transformers": __import__("transformers").__version__,
           "threads": torch.get_num_threads(), "model": args.model, "dtype": "float32",
           "workload": {"new_tokens": args.new_tokens, "runs": args.runs, "warmup": args.warmup,
                        "images": len(images), "image_source": args.images,
                        "batch_sizes": batch_sizes, "num_beams": num_beams},
           "import_ms": import_ms, "load_ms": load_ms, "metrics": metrics,
           "samples": dict(sorted(samples.items())), "greedy_ids": greedy_ids}
    if not args.no_limits:
        print("[torch] machine limits (sgemm, memory bandwidth)", file=sys.stderr)
        limits = machine_limits(torch)
        out["limits"] = limits
        analysis["encoder_fraction_of_sgemm"] = analysis["encoder_gflops"] / limits["sgemm_gflops"]
        bound = weight_bytes / (limits["read_bandwidth_gbs"] * 1e9) * 1000
        analysis["decoder_bound_ms_per_token"] = bound
        analysis["decoder_ms_over_bound"] = metrics["decoder_ms_per_token"] / bound
    out["analysis"] = analysis
    out["peak_rss_mb"] = rss
    emit_json(out, args.json)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("make-model")
    p.add_argument("--config", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.set_defaults(func=make_model)
    p = sub.add_parser("lines")
    p.add_argument("--out", required=True)
    p.add_argument("--count", type=int, default=16)
    p.set_defaults(func=lines)
    p = sub.add_parser("bench")
    p.add_argument("--model", required=True)
    add_workload_arguments(p)
    p.add_argument("--no-limits", action="store_true")
    p.add_argument("--json")
    p.set_defaults(func=bench)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
