"""Model.load(dtype=...): the model computes in the dtype asked for, as the same model converted to
that dtype (`mlxocr convert --dtype`) reads with the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

import mlxocr
from conftest import BUNDLED_MODEL, run_cli_json
from test_model import as_cli_record


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_dtype_reads_as_the_converted_model(tmp_path: Path, line_images: List[Path], dtype: str):
    converted = tmp_path / dtype
    mlxocr.convert(BUNDLED_MODEL, converted, dtype=dtype)
    model = mlxocr.Model.load(BUNDLED_MODEL, dtype=dtype)
    assert model.dtype == dtype
    lines = model.recognize(line_images, batch_size=2, max_new_tokens=12)
    cli = run_cli_json(
        "recognize", "--model", str(converted), "--format", "json", "--batch-size", "2",
        "--max-new-tokens", "12", *map(str, line_images),
    )
    for record in cli:
        del record["image"]
    assert [as_cli_record(line) for line in lines] == cli


def test_default_dtype(model: mlxocr.Model, tmp_path: Path):
    # A Hugging Face folder computes in float32, a converted one in the dtype it stores.
    assert model.dtype == "float32"
    mlxocr.convert(BUNDLED_MODEL, tmp_path / "half", dtype="float16")
    assert mlxocr.Model.load(tmp_path / "half").dtype == "float16"
    assert mlxocr.Model.load(tmp_path / "half", dtype="float32").dtype == "float32"


def test_unknown_dtype_is_a_usage_error():
    with pytest.raises(mlxocr.UsageError, match="unsupported dtype 'float8'"):
        mlxocr.Model.load(BUNDLED_MODEL, dtype="float8")
    # A bad argument, as Python code expects it.
    with pytest.raises(ValueError, match="unsupported dtype 'float8'"):
        mlxocr.Model.load(BUNDLED_MODEL, dtype="float8")
