#!/usr/bin/env python3
"""bench/SCALE.md's figures: pages/s of the CLI alone and of mlxocr.ray with 1 and 2 workers on
the same folder of forms, and the Python API's cost per line against the CLI's.

    PYTHONPATH=build/python .venv/bin/python bench/scale_bench.py --forms bench/work/real-forms \\
        --rounds 2 --json bench/work/scale.json

Runs are alternated (each round runs every configuration, the next round in reverse order), so
that the load of a shared machine falls on all of them alike; every run's time is kept.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = os.environ.get("MLXOCR_CLI", str(ROOT / "build" / "mlxocr"))
TEMPLATE = ROOT / "tests" / "fixtures" / "forms" / "00_template.png"
LINES = ["small_96x32.png", "photo_gray.jpg", "table_rgb.png", "icon_palette.png"]


def timed(cmd, env=None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **(env or {})})
    return time.perf_counter() - start


def form_runs(forms: list[str], out: str) -> dict:
    """Each configuration's command: the CLI (its threads on every core), mlxocr.ray with one
    worker on both cores (the CLI's threads: the difference is Ray's cost) and with two workers
    of one core each."""
    ocr = [CLI, "ocr", "--template", str(TEMPLATE), "--align", "--format", "json", *forms]
    ray = [sys.executable, "-m", "mlxocr.ray", *forms, "--output", out, "--format", "parquet",
           "--mode", "form", "--template", str(TEMPLATE), "--align", "--object-store-mb", "100"]
    return {
        "cli": (ocr, None),
        "ray_1worker": (ray + ["--workers", "1", "--cpus-per-worker", "2"], None),
        "ray_2workers": (ray + ["--workers", "2"], None),
    }


def line_overhead(folder: Path, rounds: int) -> dict:
    """Seconds per line: the CLI from the difference of N and 2N lines (process start and model
    load cancel out), Model.recognize on a loaded model (warm: a first call is not counted)."""
    import mlxocr

    images = ROOT / "tests" / "fixtures" / "images"
    files = []
    for i in range(25):
        for name in LINES:
            shutil.copy(images / name, folder / f"{i:02d}_{name}")
            files.append(str(folder / f"{i:02d}_{name}"))
    half = files[: len(files) // 2]
    model = mlxocr.Model.load(ROOT / "models" / "mlxocr-fields-tiny")
    model.recognize(half[:8], max_new_tokens=12)
    cli, python = [], []
    base = [CLI, "recognize", "--model", str(ROOT / "models" / "mlxocr-fields-tiny"),
            "--format", "json", "--max-new-tokens", "12"]
    for _ in range(rounds):
        full = timed(base + files)
        part = timed(base + half)
        cli.append((full - part) / (len(files) - len(half)))
        start = time.perf_counter()
        model.recognize(files, max_new_tokens=12)
        python.append((time.perf_counter() - start) / len(files))
    return {"lines": len(files), "cli_s_per_line": cli, "python_s_per_line": python}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--forms", required=True)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--count", type=int, default=20, help="forms read (the first, by name)")
    p.add_argument("--json", required=True)
    args = p.parse_args()
    forms = sorted(str(f) for f in Path(args.forms).glob("form_*.png"))[: args.count]
    result = {"forms": len(forms), "load_before": os.getloadavg(), "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        configs = form_runs(forms, os.path.join(tmp, "out"))
        order = list(configs)
        for r in range(args.rounds):
            for name in order if r % 2 == 0 else order[::-1]:
                cmd, env = configs[name]
                seconds = timed(cmd, env)
                result["runs"].setdefault(name, []).append(seconds)
                print(f"{name}: {seconds:.1f} s, {len(forms) / seconds:.2f} pages/s, load "
                      f"{os.getloadavg()[0]:.1f}", flush=True)
        lines = Path(tmp) / "lines"
        lines.mkdir()
        result["line_overhead"] = line_overhead(lines, args.rounds + 1)
    result["load_after"] = os.getloadavg()
    print(json.dumps(result["line_overhead"]))
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
