"""bench/int8_avx2.sh's JSON as a markdown table: per shape, medians over all runs of all rounds
of float32 and 8-bit mlxocr and PyTorch float32, on the AVX2 stand-in and natively, and the
ratios between them measured in the same rounds. With --paths, bench/int8_paths.sh's: per shape,
float32 and 8-bit on each int8 path, and each 8-bit figure's ratio to float32's.

    python bench/int8_report.py RESULTS_DIR COMMAND
    python bench/int8_report.py --paths RESULTS_DIR COMMAND
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


# bench/int8_paths.sh's figures: (key, label, whether larger is better).
PATH_KEYS = [("encoder_ms_per_image", "encoder ms/image", False),
             ("decoder_ms_per_token", "decoder ms/token", False),
             ("e2e_ms_per_region_batch1", "end-to-end ms/region, batch 1", False),
             ("regions_per_s_batch8", "regions/s, batch 8", True)]
PATH_ORDER = ["avx512vnni", "avxvnni", "avx2", "portable", "off"]


def number(v):
    """One decimal for large figures, three for small ones (regions/s of a loaded machine)."""
    return f"{v:,.1f}" if v >= 10 else f"{v:.3f}"


def header(results, command):
    read = lambda name: open(os.path.join(results, name)).read().strip()
    return [f"- Command: `{command}` ({read('seconds')} s)",
            f"- Load average before: `{read('uptime.before')}`",
            f"- Load average after: `{read('uptime.after')}`", ""]


def paths_table(results, command):
    """Per shape: float32 (OpenBLAS native and Haswell), then 8-bit on each path with its speed-up
    over native float32 and, for the paths of CPUs without AVX-512, over Haswell float32."""
    lines = header(results, command)
    for arch, systems in load(results).items():
        m = {name: medians(p) for name, p in systems.items()}
        f32, haswell = m.get("f32"), m.get("f32-haswell")
        q8 = [s for s in (f"q8-{p}" for p in PATH_ORDER) if s in m]
        if not f32 or not q8:
            continue
        ran = {s: sorted({p["int8_path"] for p in systems[s]}) for s in q8}
        bits = sorted({p["quantized_bits"] for s in q8 for p in systems[s]})
        lines += [f"**{arch}** (8-bit: quantized_bits {bits}; int8_path reported: " +
                  ", ".join(f"{s[3:]} → {'/'.join(ran[s])}" for s in q8) + ")", "",
                  "| figure | fp32 | fp32 Haswell | " + " | ".join(f"8-bit {s[3:]}" for s in q8) +
                  " |", "|---|---:|---:|" + "---:|" * len(q8)]
        for key, name, larger_better in PATH_KEYS:
            if key not in f32:
                continue
            speedup = lambda base, v: v / base if larger_better else base / v
            h = haswell[key][0] if haswell and key in haswell else None
            row = f"| {name} (n {f32[key][1]}) | {number(f32[key][0])} | "
            row += f"{number(h)} ({speedup(f32[key][0], h):.2f}x) |" if h else "– |"
            for s in q8:
                if key not in m[s]:
                    row += " – |"
                    continue
                v = m[s][key][0]
                row += f" {number(v)} ({speedup(f32[key][0], v):.2f}x"
                if h and s in ("q8-avxvnni", "q8-avx2"):
                    row += f"; {speedup(h, v):.2f}x Haswell"
                row += ") |"
            lines.append(row)
        lines.append("")
    lines.append("(x: the speed-up over native float32 in the same rounds, > 1 is faster; for "
                 "avxvnni and avx2 also over float32 on OpenBLAS's Haswell kernels, the float32 of "
                 "a CPU without AVX-512.)")
    print("\n".join(lines))


def main():
    if sys.argv[1] == "--paths":
        return paths_table(sys.argv[2], sys.argv[3])
    results, command = sys.argv[1], sys.argv[2]
    runs = load(results)
    lines = header(results, command)
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
