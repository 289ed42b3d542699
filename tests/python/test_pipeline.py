"""mlxocr.Pipeline against `mlxocr ocr --format json` on the sample form and line images."""

from __future__ import annotations

from pathlib import Path
from typing import List

import numpy as np
import pytest
from PIL import Image

import mlxocr
from conftest import BUNDLED_MODEL, FORM, TEMPLATE, run_cli_json


@pytest.fixture(scope="module")
def form_pipeline() -> mlxocr.Pipeline:
    return mlxocr.Pipeline(mode="form", template=TEMPLATE, align=True)  # the bundled model


@pytest.fixture(scope="module")
def form_pages(form_pipeline: mlxocr.Pipeline) -> mlxocr.Pages:
    return form_pipeline.read(FORM)


def test_form_records_equal_the_cli(form_pages: mlxocr.Pages):
    cli = run_cli_json("ocr", "--template", str(TEMPLATE), "--align", "--format", "json", str(FORM))
    assert len(form_pages) == 1
    assert form_pages[0] == cli
    assert len(cli["fields"]) == 18  # the sample form's fields (samples/form.json)


def test_arrays_and_pil_read_as_the_file(form_pipeline: mlxocr.Pipeline, form_pages):
    rgb = np.asarray(Image.open(FORM).convert("RGB"))
    pages = form_pipeline.read([rgb, Image.open(FORM)])
    for i, page in enumerate(pages):
        assert page["image"] == f"<array {i}>"
        assert {**page, "image": str(FORM)} == form_pages[0]


def test_line_mode_equals_the_cli(line_images: List[Path]):
    pages = mlxocr.Pipeline(mode="line", max_new_tokens=12).read(line_images)
    cli = run_cli_json("ocr", "--max-new-tokens", "12", "--format", "json", *map(str, line_images))
    assert list(pages) == cli


def test_failed_page_is_a_record_not_an_exception(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    pages = mlxocr.Pipeline().read([bad])
    assert "bad.png" in pages[0]["error"]


def test_to_pandas_has_one_row_per_field(form_pages: mlxocr.Pages):
    pd = pytest.importorskip("pandas", reason="pandas is not installed (pip install pandas)")
    frame = form_pages.to_pandas()
    fields = form_pages[0]["fields"]
    assert len(frame) == len(fields)
    assert list(frame["text"]) == [f["text"] for f in fields]
    assert list(frame["x"]) == [f["box"]["x"] for f in fields]
    assert isinstance(frame, pd.DataFrame)


def test_bad_options_raise():
    with pytest.raises(mlxocr.UsageError, match="template"):
        mlxocr.Pipeline(mode="form")
    with pytest.raises(mlxocr.UsageError, match="mode must be one of"):
        mlxocr.Pipeline(mode="columns")
    with pytest.raises(mlxocr.LimitError):
        mlxocr.Pipeline(batch_size=100000)


def without_model_names(pages):
    """The records with each reading's model name dropped (a folder path, named differently)."""
    for page in pages:
        for field in page.get("fields", []):
            for reading in field["models"]:
                del reading["model"]
    return list(pages)


def test_dtype_reads_as_the_converted_model(tmp_path: Path, line_images: List[Path]):
    # Pipeline(dtype=) computes in that dtype, as Model.load(dtype=) does: the records equal the
    # CLI's reading with the model converted to float16 (confidences differ in float32).
    half = tmp_path / "half"
    mlxocr.convert(BUNDLED_MODEL, half, dtype="float16")
    pipeline = mlxocr.Pipeline([BUNDLED_MODEL], dtype="float16", max_new_tokens=12)
    pages = pipeline.read(line_images)
    cli = run_cli_json(
        "ocr", "--model", str(half), "--max-new-tokens", "12", "--format", "json",
        *map(str, line_images),
    )
    assert without_model_names(pages) == without_model_names(cli)


def test_bad_dtype_is_a_value_error_before_any_model_is_read():
    with pytest.raises(ValueError, match=r"dtype: unsupported dtype 'float8' \(use float32"):
        mlxocr.Pipeline(["no/such/model/folder"], dtype="float8")
    with pytest.raises(mlxocr.UsageError):
        mlxocr.Pipeline(dtype="int8")
