#!/usr/bin/env python3
"""Turns the JSON of bench/run.sh's processes into bench/RESULTS.md and bench/results.png.

Files are named ARCH.SYSTEM.ROUND.json (SYSTEM: mlxocr, pytorch, mlxocr-q8 (8-bit decoder),
mlxocr-q8enc (8-bit decoder and encoder), mlxocr-wheel-blas, mlxocr-mlx-ops, ort (ONNX Runtime
float32), ort-int8 (ONNX Runtime, dynamic int8)).
Samples of every process of a system are pooled and their median reported; load time, peak RSS
and the machine limits are medians over processes. Ratios are PyTorch / mlxocr for times (above
1: mlxocr is faster) and mlxocr / PyTorch for load time and memory (below 1: mlxocr needs less).
With ONNX Runtime in the run, a second table judges issue 31's targets against the best peer:
mlxocr float32 against the faster of PyTorch and ORT float32, mlxocr 8-bit against ORT int8, load
and peak RSS against the lowest of all peers.
Needs Pillow only (the chart is drawn by hand: matplotlib is not in the reference venv).
"""
import argparse
import datetime
import glob
import json
import os
import platform
import statistics
import subprocess

ARCH_NOTES = {"trocr-small": "microsoft/trocr-small-handwritten shapes (DeiT-S encoder, 6-layer "
                             "decoder d=256, 61.6M parameters)",
              "trocr-base": "microsoft/trocr-base-handwritten shapes (ViT-B encoder, 12-layer "
                            "decoder d=1024, output projection tied to the embeddings, 333.9M parameters)"}
SPEED_ROWS = [  # key, label, higher is better, target speed-up
    ("e2e_ms_per_region_batch1", "end-to-end ms/region, batch 1", False, 1.5),
    ("regions_per_s_batch8", "regions/s, batch 8", True, 2.0),
    ("ms_per_region_beams4", "beam 4 ms/region, batch 1", False, 2.0),
    ("encoder_ms_per_image", "encoder ms/image", False, None),
    ("decoder_ms_per_token", "decoder ms/token (batch 1)", False, None),
]


def load(results):
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, "*.json"))):
        arch, system, _ = os.path.basename(path).rsplit(".", 3)[:3]
        with open(path) as f:
            runs.setdefault(arch, {}).setdefault(system, []).append(json.load(f))
    return runs


def pooled(processes):
    samples = {}
    for p in processes:
        for key, values in p["samples"].items():
            samples.setdefault(key, []).extend(values)
    out = {k: statistics.median(v) for k, v in samples.items()}
    out["n"] = {k: len(v) for k, v in samples.items()}
    for key in ("load_ms", "peak_rss_mb"):
        out[key] = statistics.median(p[key] for p in processes)
    limits = [p["limits"] for p in processes if "limits" in p]
    for key in ("sgemm_gflops", "read_bandwidth_gbs"):
        if limits:
            out[key] = statistics.median(l[key] for l in limits)
    out["analysis"] = processes[0]["analysis"]
    out["first"] = processes[0]
    return out


def fmt(x, digits=1):
    return "–" if x is None else f"{x:,.{digits}f}"


def ratio_cell(r, target, lower_is_better=False):
    if r is None:
        return "–", ""
    if target is None:
        return f"{r:.2f}x", ""
    ok = r <= target if lower_is_better else r >= target
    return f"{r:.2f}x", "met" if ok else "**missed**"


def measured_at(results):
    """When run.sh finished measuring (its last file), not when the report was (re)written."""
    path = os.path.join(results, "uptime.after")
    stamp = os.path.getmtime(path) if os.path.exists(path) else None
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc) if stamp else \
        datetime.datetime.now(datetime.timezone.utc)


def machine():
    model = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    mem = ""
    with open("/proc/meminfo") as f:
        mem = f"{int(f.readline().split()[1]) / 1048576:.0f} GiB RAM"
    return f"{model}, {os.cpu_count()} cores, {mem}, {platform.system()} {platform.release()}"


def mlx_ops_rows(mlx_ops, ours):
    """Before/after of all our CPU kernels: the same binary with MLXOCR_CPU_KERNELS=0."""
    lines = ["", "Our CPU kernels (softmax, GELU, layer norm, attention on the fused projections, "
             "many-row linear; the decoding step: few-row linear, one-query attention, "
             "log-sum-exp) against MLX's own ops (the same binary with "
             "`MLXOCR_CPU_KERNELS=0`, in the same run):", "",
             "| figure | MLX's ops | our kernels | speed-up |", "|---|---:|---:|---:|"]
    for key, label, higher, _ in SPEED_ROWS:
        a, b = mlx_ops.get(key), ours.get(key)
        if a and b:
            lines.append(f"| {label} | {fmt(a, 2 if higher else 1)} | {fmt(b, 2 if higher else 1)} "
                         f"| {(b / a if higher else a / b):.2f}x |")
    return lines


def arch_section(arch, systems):
    ours, torch = pooled(systems["mlxocr"]), pooled(systems["pytorch"])
    lines = [f"### {arch}", "", ARCH_NOTES.get(arch, arch) + ".", "",
             "| figure | mlxocr (fp32, OpenBLAS) | PyTorch fp32 | ratio | target | |",
             "|---|---:|---:|---:|---|---|"]
    chart = []
    for key, label, higher, target in SPEED_ROWS:
        a, b = ours.get(key), torch.get(key)
        r = (a / b if higher else b / a) if a and b else None
        cell, verdict = ratio_cell(r, target)
        tgt = f"≥ {target}x faster" if target else ""
        lines.append(f"| {label} | {fmt(a, 2 if higher else 1)} | {fmt(b, 2 if higher else 1)} "
                     f"| {cell} faster | {tgt} | {verdict} |")
        chart.append((label, r, target))
    for key, label, target in (("load_ms", "model load, ms", 0.3),
                               ("peak_rss_mb", "peak RSS, MB", 0.6)):
        a, b = ours[key], torch[key]
        cell, verdict = ratio_cell(a / b, target, lower_is_better=True)
        lines.append(f"| {label} | {fmt(a)} | {fmt(b)} | {cell} of PyTorch | ≤ {target}x | "
                     f"{verdict} |")
        chart.append((label.split(",")[0] + " (PyTorch / mlxocr)", b / a, 1 / target))
    # The 8-bit target (≥ 3x PyTorch's float32 end to end) is judged on the all-8-bit model
    # when the run has it, else on the 8-bit decoder.
    target_system = "mlxocr-q8enc" if "mlxocr-q8enc" in systems else "mlxocr-q8"
    for system, name in (("mlxocr-q8", "8-bit decoder"),
                         ("mlxocr-q8enc", "8-bit decoder and encoder")):
        if system not in systems:
            continue
        q8 = pooled(systems[system])
        rows = [("e2e_ms_per_region_batch1", "end-to-end ms/region, batch 1", False),
                ("regions_per_s_batch8", "regions/s, batch 8", True),
                ("encoder_ms_per_image", "encoder ms/image", False),
                ("decoder_ms_per_token", "decoder ms/token", False)]
        if system == "mlxocr-q8":
            rows = [rows[0], rows[3]]
        for key, label, higher in rows:
            a, b = q8.get(key), torch.get(key)
            if not (a and b):
                continue
            r = a / b if higher else b / a
            if key == "e2e_ms_per_region_batch1" and system == target_system:
                cell, verdict = ratio_cell(r, 3.0)
                lines.append(f"| {name}: {label} | {fmt(a, 2 if higher else 1)} | "
                             f"{fmt(b, 2 if higher else 1)} | {cell} faster | ≥ 3x | {verdict} |")
                chart.append(("8-bit end-to-end, batch 1", r, 3.0))
            else:
                lines.append(f"| {name}: {label} | {fmt(a, 2 if higher else 1)} | "
                             f"{fmt(b, 2 if higher else 1)} | {r:.2f}x faster | | |")
    if "mlxocr-q8enc" in systems:
        int8 = pooled(systems["mlxocr-q8enc"])["first"].get("int8_linear")
        lines += ["", "8-bit rows: quantized after loading (`mlxocr bench --quantize 8 "
                  "[--quantize-encoder]`, group size 64, as `mlxocr convert -q 8` stores them). "
                  + ("The 8-bit layers ran as int8 products (AVX-512 VNNI, inputs quantized per "
                     "row and group of 64; docs/convert.md)." if int8 else
                     "This CPU has no AVX-512 VNNI: the 8-bit layers ran as float products of "
                     "the dequantized weights.")]
    an_o, an_t = ours["analysis"], torch["analysis"]
    enc_o = an_o["encoder_gflop_per_image"] / (ours["encoder_ms_per_image"] / 1000)
    enc_t = an_t["encoder_gflop_per_image"] / (torch["encoder_ms_per_image"] / 1000)
    bw_o, bw_t = ours.get("read_bandwidth_gbs"), torch.get("read_bandwidth_gbs")
    # The machine's bandwidth is the best either process reached (MLX's sum is one thread,
    # torch's uses all): one bound for both systems.
    bw = max(bw_o, bw_t)
    bound_o = an_o["decoder_weight_mb_per_token"] / 1e3 / bw * 1e3
    bound_t = an_t["decoder_weight_mb_per_token"] / 1e3 / bw * 1e3
    lines += ["", "Against the machine (limits measured inside each system's own process):", "",
              "| | mlxocr | PyTorch | target (mlxocr) | |", "|---|---:|---:|---|---|",
              f"| sgemm peak, GFLOP/s (fp32 matmul 2048², 512² for a slow BLAS) | {fmt(ours['sgemm_gflops'])} | "
              f"{fmt(torch['sgemm_gflops'])} | | |",
              f"| read bandwidth, GB/s (512 MB sum) | {fmt(bw_o)} | {fmt(bw_t)} | | |",
              f"| encoder: {an_o['encoder_gflop_per_image']:.1f} GFLOP/image → GFLOP/s "
              f"| {fmt(enc_o)} | {fmt(enc_t)} | | |",
              f"| encoder GFLOP/s / own sgemm peak | {enc_o / ours['sgemm_gflops']:.0%} | "
              f"{enc_t / torch['sgemm_gflops']:.0%} | ≥ 70% | "
              f"{'met' if enc_o / ours['sgemm_gflops'] >= 0.7 else '**missed**'} |",
              f"| decoder weights read per token, MB | {an_o['decoder_weight_mb_per_token']:.1f} | "
              f"{an_t['decoder_weight_mb_per_token']:.1f} | | |",
              f"| weight-streaming bound at {bw:.1f} GB/s (the better of the two), ms/token | {bound_o:.2f} | {bound_t:.2f} | | |",
              f"| decoder ms/token / bound | {ours['decoder_ms_per_token'] / bound_o:.2f}x | "
              f"{torch['decoder_ms_per_token'] / bound_t:.2f}x | ≤ 1.5x | "
              f"{'met' if ours['decoder_ms_per_token'] / bound_o <= 1.5 else '**missed**'} |"]
    if "mlxocr-wheel-blas" in systems:
        w = pooled(systems["mlxocr-wheel-blas"])
        lines += ["", f"The same binary with the wheel's own BLAS ({w['first']['blas']}): sgemm "
                      f"{fmt(w.get('sgemm_gflops'))} GFLOP/s, encoder {fmt(w['encoder_ms_per_image'])} "
                      f"ms/image, decoder {fmt(w['decoder_ms_per_token'])} ms/token "
                      f"({w['first']['workload']['new_tokens']} tokens, 1 run)."]
    if "mlxocr-mlx-ops" in systems:
        lines += mlx_ops_rows(pooled(systems["mlxocr-mlx-ops"]), ours)
    n = ours["n"].get("e2e_ms_per_region_batch1", 0), torch["n"].get("e2e_ms_per_region_batch1", 0)
    lines += ["", f"Samples per figure: mlxocr {n[0]}, PyTorch {n[1]} (processes: "
                  f"{len(systems['mlxocr'])} and {len(systems['pytorch'])}, alternating).", ""]
    return lines, chart, ours, torch


# Issue 31's targets against the best peer: key, label, higher is better, fp32 target, 8-bit
# target (against ORT int8).
# target (against ORT int8), the chart's short name.
PEER_ROWS = [
    ("e2e_ms_per_region_batch1", "end-to-end ms/region, batch 1", False, 1.5, 1.5, "batch 1"),
    ("regions_per_s_batch8", "regions/s, batch 8", True, 1.3, 1.3, "batch 8"),
    ("ms_per_region_beams4", "beam 4 ms/region, batch 1", False, 1.5, None, "beam 4"),
    ("encoder_ms_per_image", "encoder ms/image", False, None, None, "encoder"),
    ("decoder_ms_per_token", "decoder ms/token (batch 1)", False, None, None, "decoder"),
]


def speed_ratio(ours, peer, higher):
    """How many times faster `ours` is than `peer` (None when either is missing)."""
    if not (ours and peer):
        return None
    return ours / peer if higher else peer / ours


def best_of(values, higher):
    present = [v for v in values if v]
    if not present:
        return None
    return max(present) if higher else min(present)


def id_agreement(reference, other):
    """Regions (image files) whose greedy ids match exactly, and matching token positions, over
    the images both processes decoded greedily. Returns (same regions, regions, same tokens,
    tokens)."""
    same_regions = regions = same_tokens = tokens = 0
    for name, ids in reference.items():
        if name not in other:
            continue
        theirs = other[name]
        regions += 1
        same_regions += ids == theirs
        tokens += max(len(ids), len(theirs))
        same_tokens += sum(a == b for a, b in zip(ids, theirs))
    return same_regions, regions, same_tokens, tokens


def merged_ids(processes):
    out = {}
    for p in processes:
        out.update(p.get("greedy_ids", {}))
    return out


def agreement_note(systems):
    torch_ids = merged_ids(systems["pytorch"])
    if not torch_ids:
        return "PyTorch's JSON carries no greedy ids (an older torch_bench.py): no id check."
    parts = []
    for system, name in (("ort", "ORT float32"), ("ort-int8", "ORT int8")):
        if system not in systems:
            continue
        same, regions, same_tok, tokens = id_agreement(torch_ids, merged_ids(systems[system]))
        if not regions:
            parts.append(f"{name}: no region decoded by both")
            continue
        parts.append(f"{name}: PyTorch's exact token ids on {same} of {regions} greedy regions "
                     f"({same_tok} of {tokens} tokens agree)")
    distinct = len({t for ids in torch_ids.values() for t in ids})
    return ("Greedy token ids against PyTorch's, same images (batch 1 and batch 8 greedy regions "
            f"of the timed runs): " + "; ".join(parts) + f". PyTorch's ids use {distinct} distinct "
            "tokens (random weights: the check is on the arithmetic, not on readable text).")


def peers_section(arch, systems, ours, torch):
    """mlxocr against every peer of the run (issue 31's targets), or nothing without ORT."""
    if "ort" not in systems:
        return [], []
    ort = pooled(systems["ort"])
    int8 = pooled(systems["ort-int8"]) if "ort-int8" in systems else {}
    q8 = pooled(systems["mlxocr-q8enc"]) if "mlxocr-q8enc" in systems else {}
    lines = ["Against every peer (issue 31): mlxocr float32 against the faster float32 peer, "
             "mlxocr 8-bit (decoder and encoder) against ONNX Runtime's dynamic int8; load and "
             "peak RSS against the lowest of all peers.", "",
             "| figure | mlxocr fp32 | mlxocr 8-bit | PyTorch fp32 | ORT fp32 | ORT int8 "
             "| fp32: vs best peer | target | | 8-bit: vs ORT int8 | target | |",
             "|---|---:|---:|---:|---:|---:|---:|---|---|---:|---|---|"]
    chart = []
    for key, label, higher, target, target8, short in PEER_ROWS:
        digits = 2 if higher else 1
        values = [ours.get(key), q8.get(key), torch.get(key), ort.get(key), int8.get(key)]
        r = speed_ratio(ours.get(key), best_of([torch.get(key), ort.get(key)], higher), higher)
        r8 = speed_ratio(q8.get(key), int8.get(key), higher)
        cell, verdict = ratio_cell(r, target)
        cell8, verdict8 = ratio_cell(r8, target8)
        lines.append(f"| {label} | " + " | ".join(fmt(v, digits) for v in values) +
                     f" | {cell} | {f'≥ {target}x' if target else ''} | {verdict} "
                     f"| {cell8} | {f'≥ {target8}x' if target8 else ''} | {verdict8} |")
        if target:
            chart.append((f"{short} vs best fp32 peer", r, target))
        if target8:
            chart.append((f"8-bit {short} vs ORT int8", r8, target8))
    for key, label, target in (("load_ms", "model load, ms", 0.1),
                               ("peak_rss_mb", "peak RSS, MB", 0.6)):
        peers = [p.get(key) for p in (torch, ort, int8) if p]
        best = min(peers)
        values = [ours.get(key), q8.get(key), torch.get(key), ort.get(key), int8.get(key)]
        cell, verdict = ratio_cell(ours[key] / best, target, lower_is_better=True)
        lines.append(f"| {label} | " + " | ".join(fmt(v) for v in values) +
                     f" | {cell} of the lowest | ≤ {target}x | {verdict} | | | |")
        chart.append((label.split(",")[0] + " (lowest of all peers / mlxocr)", best / ours[key],
                      1 / target))
    first = ort["first"]
    lines += ["", f"ONNX Runtime {first['onnxruntime']} (CPU provider, intra-op threads "
                  f"{first['threads']}, inter-op 1) through optimum {first['optimum']}'s "
                  f"ORTModelForVision2Seq, files {', '.join(first['onnx_files'])}"
                  + (f" (int8: {', '.join(int8['first']['onnx_files'])})" if int8 else "") +
                  "; its process "
                  "imports torch too (optimum's generate loop runs on torch tensors), which its "
                  "peak RSS includes. Without the accelerate package optimum's exporter skips its "
                  "weight deduplication, so a decoder whose output projection is tied to the "
                  "embeddings (trocr-base) holds that matrix twice in its file; as a user exporting "
                  "with `optimum[exporters]` gets it.", "", agreement_note(systems)]
    n = [len(systems[s]) for s in ("ort", "ort-int8") if s in systems]
    lines += ["", f"ONNX Runtime processes: " + " and ".join(map(str, n)) +
              " (float32, int8), alternating with the others.", ""]
    return lines, chart


def draw_chart(charts, path):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=18)
    bold = ImageFont.load_default(size=22)
    row_h, label_w, bar_w, margin = 34, 430, 620, 24
    rows = sum(len(c) + 2 for c in charts.values())
    width, height = label_w + bar_w + 2 * margin + 80, rows * row_h + 90
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    d.text((margin, 14), "mlxocr vs its peers, same machine, same run (higher = mlxocr better)",
           fill="black", font=bold)
    top_all = [v for c in charts.values() for _, v, t in c if v] + \
              [t for c in charts.values() for _, _, t in c if t]
    top = max(4.0, max(top_all) * 1.1)
    x0 = margin + label_w
    scale = bar_w / top
    y = 60
    for arch, chart in charts.items():
        d.text((margin, y + 4), arch, fill="black", font=bold)
        y += row_h
        for label, value, target in chart:
            d.text((margin, y + 6), label, fill="black", font=font)
            if value:
                # Figures without a target are grey: green would read as "met" for a 0.8x.
                colour = ((140, 140, 140) if not target else
                          (46, 125, 50) if value >= target else (198, 40, 40))
                d.rectangle([x0, y + 4, x0 + value * scale, y + row_h - 6], fill=colour)
                d.text((x0 + value * scale + 6, y + 6), f"{value:.2f}x", fill="black", font=font)
            if target:
                tx = x0 + target * scale
                d.line([tx, y + 1, tx, y + row_h - 3], fill=(30, 30, 30), width=3)
            y += row_h
        y += row_h
    one = x0 + scale
    d.line([one, 56, one, height - 40], fill=(120, 120, 120), width=1)
    d.text((one + 4, height - 36), "1x = parity", fill=(90, 90, 90), font=font)
    d.text((margin, height - 36), "black tick = target;  green = met, red = missed, grey = no target",
           fill=(90, 90, 90), font=font)
    img.save(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--mlxocr", default="build/mlxocr")
    parser.add_argument("--note", default="", help="a paragraph on this run's conditions, printed "
                                                   "under the preamble (a cut-short run, the load)")
    args = parser.parse_args()
    runs = load(args.results)

    def read(name):
        p = os.path.join(args.results, name)
        return open(p).read().strip() if os.path.exists(p) else "?"

    version = subprocess.run([args.mlxocr, "--version"], capture_output=True, text=True).stdout.strip()
    any_torch = next(iter(runs.values()))["pytorch"][0]
    any_ours = next(iter(runs.values()))["mlxocr"][0]
    any_ort = next((r["ort"][0] for r in runs.values() if "ort" in r), None)
    ort_line = [] if not any_ort else [
        f"- ONNX Runtime {any_ort['onnxruntime']} (CPU execution provider, "
        f"{any_ort['threads']} intra-op threads, 1 inter-op), optimum {any_ort['optimum']}: the "
        "same saved model exported once with optimum's exporter (task image-to-text-with-past: "
        "the encoder and a decoder with past keys and values, merged into one graph, as "
        "`optimum-cli export onnx` writes it) and run by ORTModelForVision2Seq's generate; int8: "
        "the encoder and the two unmerged decoders (the merged one's shared weights stay float32 "
        "under quantize_dynamic) with their MatMuls quantized by onnxruntime's quantize_dynamic "
        "(int8 weights per tensor, uint8 activations; bench/ort_bench.py says why not "
        "ORTQuantizer)"]
    title = "PyTorch and ONNX Runtime" if any_ort else "PyTorch"
    md = [f"# Benchmarks: mlxocr against {title}", "",
          "<!-- Written by bench/report.py from bench/run.sh; edit bench/TRAINING.md, QUALITY.md and "
          "OPTIMISATION.md for the sections at the end. -->", "",
          f"- Command: `{args.command}` ({read('seconds')})",
          f"- Date: {measured_at(args.results):%Y-%m-%d %H:%M} UTC",
          f"- Machine: {machine()}",
          f"- Load average before: `{read('uptime.before')}`",
          f"- Load average after: `{read('uptime.after')}`",
          f"- mlxocr: {version}; BLAS in the process: `{any_ours['blas']}` "
          f"({any_ours['threads']} threads)",
          f"- PyTorch {any_torch['torch']}, transformers {any_torch['transformers']}, "
          f"{any_torch['threads']} threads (torch.set_num_threads), fp32, use_cache=True",
          *ort_line,
          f"- Workload: {any_ours['workload']['images']} line images, exactly "
          f"{any_ours['workload']['new_tokens']} new tokens per region (EOS suppressed with "
          "min_new_tokens = max_new_tokens), greedy at batch 1 and 8, beam 4 at batch 1; random "
          "weights drawn by transformers and saved once, loaded by every system.", "",
          "The machine is shared (two cores, other people compiling): absolute numbers move from run "
          "to run; the ratios come from the systems run alternately in the same script.", ""]
    if args.note:
        md += [args.note, ""]
    charts = {}
    for arch in ("trocr-small", "trocr-base"):
        if arch in runs and "mlxocr" in runs[arch] and "pytorch" in runs[arch]:
            lines, chart, ours, torch = arch_section(arch, runs[arch])
            peer_lines, peer_chart = peers_section(arch, runs[arch], ours, torch)
            md += lines + peer_lines
            charts[arch] = chart + peer_chart
    md += ["![mlxocr vs its peers](results.png)", ""]
    # Sections measured by their own scripts (training speed: train_bench.py; reading quality:
    # quality.py), then the notes on the optimisation work.
    for name in ("TRAINING.md", "QUALITY.md", "INT8.md", "OPTIMISATION.md"):
        section = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
        if os.path.exists(section):
            md += [open(section).read().rstrip(), ""]
    with open(os.path.join(args.out, "RESULTS.md.tmp"), "w") as f:
        f.write("\n".join(md))
    os.replace(os.path.join(args.out, "RESULTS.md.tmp"), os.path.join(args.out, "RESULTS.md"))
    draw_chart(charts, os.path.join(args.out, "results.png"))
    print(f"wrote {args.out}/RESULTS.md and {args.out}/results.png")


if __name__ == "__main__":
    main()
