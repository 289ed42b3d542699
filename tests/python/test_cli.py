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
