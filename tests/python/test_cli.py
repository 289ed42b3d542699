"""The jobs run through the CLI (mlxocr.convert) and the console entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import mlxocr
from conftest import ROOT

FIXTURE_MODEL = ROOT / "tests" / "fixtures" / "models" / "vit-trocr"


def test_convert_writes_a_model_the_package_loads(tmp_path):
    out = tmp_path / "fp16"
    summary = mlxocr.convert(FIXTURE_MODEL, out, dtype="float16")
    assert summary["output"] == str(out)
    assert json.loads((out / "config.json").read_text())["mlxocr"]["dtype"] == "float16"
    mlxocr.Model.load(out)
    with pytest.raises(mlxocr.UsageError, match="exists"):
        mlxocr.convert(FIXTURE_MODEL, out)


def test_console_entry_point_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-c", "import mlxocr._cli as c; c.main()", "--version"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert mlxocr.__version__ in done.stdout


def test_evaluate_scores_what_the_model_reads(model, line_images, tmp_path):
    # References: what the model reads for two images, and a wrong one for a third.
    read = model.recognize(line_images[:2], max_new_tokens=12)
    rows = [(p.name, line.text) for p, line in zip(line_images[:2], read)]
    rows.append((line_images[2].name, read[0].text + "zz"))
    for p in line_images[:3]:
        (tmp_path / p.name).write_bytes(p.read_bytes())
    data = tmp_path / "data.csv"
    data.write_text("file_name,text\n" + "".join(f'{n},"{t}"\n' for n, t in rows))
    report = mlxocr.evaluate(data, model.path, max_new_tokens=12)
    assert report["evaluated"] == 3
    assert report["exact"] == 2 and report["lines"][0]["prediction"] == read[0].text
    with pytest.raises(mlxocr.Error, match="missing.csv"):
        mlxocr.evaluate(tmp_path / "missing.csv")


def test_train_takes_the_cli_options(line_images, tmp_path):
    for p in line_images[:2]:
        (tmp_path / p.name).write_bytes(p.read_bytes())
    data = tmp_path / "data.csv"
    data.write_text(f"file_name,text\n{line_images[0].name},ab\n{line_images[1].name},cd\n")
    out = mlxocr.train(data, tmp_path / "run", model=FIXTURE_MODEL, max_steps=1, batch_size=2)
    assert (out / "checkpoint-1" / "config.json").is_file()
    mlxocr.Model.load(out / "checkpoint-1")
    with pytest.raises(mlxocr.UsageError, match="batch-size"):
        mlxocr.train(data, tmp_path / "run2", model=FIXTURE_MODEL, batch_size=0)
