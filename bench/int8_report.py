"""bench/int8_avx2.sh's JSON as a markdown table: per shape, medians over all runs of all rounds
of float32 and 8-bit mlxocr and PyTorch float32, on the AVX2 stand-in and natively, and the
ratios between them measured in the same rounds.

    python bench/int8_report.py RESULTS_DIR COMMAND
"""
import glob
import json
import os
import statistics
import sys

KEYS = [("e2e_ms_per_region_batch1", "end-to-end ms/region, batch 1"),
        ("encoder_ms_per_image", "encoder ms/image"),
        ("decoder_ms_per_token", "decoder ms/token")]


def load(results):
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, "*.json"))):
        arch, system, _ = os.path.basename(path).rsplit(".", 3)[:3]
        with open(path) as f:
            runs.setdefault(arch, {}).setdefault(system, []).append(json.load(f))
    return runs


def medians(processes):
    samples = {}
    for p in processes:
        for key, values in p["samples"].items():
            samples.setdefault(key, []).extend(values)
    return {k: (statistics.median(v), len(v)) for k, v in samples.items()}


def main():
    results, command = sys.argv[1], sys.argv[2]
    read = lambda name: open(os.path.join(results, name)).read().strip()
    runs = load(results)
    lines = [f"- Command: `{command}` ({read('seconds')} s)",
             f"- Load average before: `{read('uptime.before')}`",
             f"- Load average after: `{read('uptime.after')}`", ""]
    for arch, systems in runs.items():
        m = {name: medians(p) for name, p in systems.items()}
        for where, label in (("avx2", "AVX2 stand-in (avx2 path, OpenBLAS Haswell, "
                              "PyTorch AVX2)"), ("native", "native AVX-512 (avx512vnni path)")):
            f32, q8, torch = (m.get(f"{where}-{s}") for s in ("f32", "q8", "torch"))
            if not (f32 and q8 and torch):
                continue
            paths = {p["int8_path"] for p in systems[f"{where}-q8"]}
            lines += [f"**{arch}, {label}** (8-bit ran on: {', '.join(sorted(paths))})", "",
                      "| figure | mlxocr fp32 | mlxocr 8-bit | PyTorch fp32 | 8-bit vs fp32 | "
                      "8-bit vs PyTorch | fp32 vs PyTorch |",
                      "|---|---:|---:|---:|---:|---:|---:|"]
            for key, name in KEYS:
                if key not in f32 or key not in q8 or key not in torch:
                    continue
                a, b, t = f32[key][0], q8[key][0], torch[key][0]
                n = f"{f32[key][1]}/{q8[key][1]}/{torch[key][1]}"
                lines.append(f"| {name} (n {n}) | {a:,.1f} | {b:,.1f} | {t:,.1f} | "
                             f"{a / b:.2f}x faster | {t / b:.2f}x faster | {t / a:.2f}x faster |")
            lines.append("")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
