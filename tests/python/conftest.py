"""Shared fixtures of the Python package's tests (run by ctest as PythonPackage.pytest, with
PYTHONPATH at build/python and MLXOCR_CLI at the CLI built beside the module)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "tests" / "fixtures" / "images"
BUNDLED_MODEL = ROOT / "models" / "mlxocr-fields-tiny"
FORM = ROOT / "samples" / "form.png"
TEMPLATE = ROOT / "tests" / "fixtures" / "forms" / "00_template.png"
# Line images in several formats and pixel layouts (RGB, gray, palette, RGBA, 16-bit): each must
# read alike from a file, a PIL image and an array.
LINE_IMAGES = [
    IMAGES / "small_96x32.png",
    IMAGES / "photo_gray.jpg",
    IMAGES / "icon_palette.png",
    IMAGES / "interlaced_rgba.png",
    IMAGES / "table_rgb.png",
]


def cli() -> str:
    path = os.environ.get("MLXOCR_CLI")
    if not path:
        pytest.fail("MLXOCR_CLI is not set: run these tests through ctest (PythonPackage.pytest)")
    return path


def run_cli_json(*args: str) -> Any:
    """Runs the CLI and returns its JSON output (stdout)."""
    done = subprocess.run([cli(), *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="session")
def model() -> Any:
    import mlxocr

    return mlxocr.Model.load(BUNDLED_MODEL)


@pytest.fixture(scope="session")
def line_images() -> List[Path]:
    return LINE_IMAGES
