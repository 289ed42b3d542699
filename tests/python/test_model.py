"""mlxocr.Model against `mlxocr recognize --format json` on the same files and settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest
from PIL import Image

import mlxocr
from conftest import BUNDLED_MODEL, run_cli_json

SETTINGS = [
    {"max_new_tokens": 12},
    {"max_new_tokens": 12, "num_beams": 3},
]


def as_cli_record(line: mlxocr.Line) -> Dict[str, Any]:
    """The fields `mlxocr recognize --format json` prints, from a Python result."""
    return {
        "text": line.text,
        "token_ids": line.token_ids,
        "token_logprobs": line.token_logprobs,
        "confidence": line.confidence,
        "words": [{"text": w.text, "confidence": w.confidence} for w in line.words],
        "sequence_score": line.sequence_score,
        "finished": line.finished,
    }


def cli_records(files: List[Path], settings: Dict[str, Any]) -> List[Dict[str, Any]]:
    flags = []
    for key, value in settings.items():
        flags += ["--" + key.replace("_", "-"), str(value)]
    records = run_cli_json(
        "recognize", "--model", str(BUNDLED_MODEL), "--format", "json", *flags, *map(str, files),
    )
    for record in records:
        del record["image"]
    return records


@pytest.mark.parametrize("settings", SETTINGS, ids=["greedy", "beams"])
def test_results_equal_the_cli(model: mlxocr.Model, line_images: List[Path], settings):
    # The same batches as the CLI's: a batch's make-up may change the last bits of its sums.
    lines = model.recognize(line_images, batch_size=2, **settings)
    assert [as_cli_record(line) for line in lines] == cli_records(
        line_images, {**settings, "batch_size": 2}
    )
    assert [line.source for line in lines] == [str(p) for p in line_images]
    assert all(line.error == "" for line in lines)


def test_one_image_gives_one_line(model: mlxocr.Model, line_images: List[Path]):
    one = model.recognize(line_images[0], max_new_tokens=12)
    assert isinstance(one, mlxocr.Line)
    assert one == model.recognize([line_images[0]], max_new_tokens=12)[0]


def test_pil_and_numpy_inputs_equal_files(model: mlxocr.Model, line_images: List[Path]):
    from_files = model.recognize(line_images, max_new_tokens=12)
    pil = [Image.open(p) for p in line_images]
    rgb = [np.asarray(Image.open(p).convert("RGB")) for p in line_images]
    for inputs in (pil, rgb):
        read = model.recognize(inputs, max_new_tokens=12)
        assert [as_cli_record(x) for x in read] == [as_cli_record(x) for x in from_files]
        assert all(x.source == "" for x in read)


def test_array_layouts_read_as_rgb(model: mlxocr.Model, line_images: List[Path]):
    rgb = np.asarray(Image.open(line_images[1]).convert("RGB"))  # a gray JPEG
    expected = as_cli_record(model.recognize(rgb, max_new_tokens=12))
    gray = np.ascontiguousarray(rgb[:, :, 0])
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 7, np.uint8)])  # alpha is dropped, as PIL does
    strided = np.zeros((rgb.shape[0], rgb.shape[1] * 2, 3), np.uint8)
    strided[:, ::2] = rgb  # a view with strides, not a contiguous copy
    for array in (gray, gray[:, :, None], rgba, strided[:, ::2]):
        assert as_cli_record(model.recognize(array, max_new_tokens=12)) == expected


def test_mixed_inputs_keep_their_order(model: mlxocr.Model, line_images: List[Path]):
    first, second = line_images[:2]
    mixed = model.recognize([np.asarray(Image.open(first).convert("RGB")), second])
    apart = [model.recognize(first), model.recognize(second)]
    assert [x.text for x in mixed] == [x.text for x in apart]
    assert mixed[1].source == str(second) and mixed[0].source == ""


def test_unreadable_file_fails_its_line_only(model: mlxocr.Model, line_images: List[Path], tmp_path):
    missing = tmp_path / "missing.png"
    lines = model.recognize([line_images[0], missing], max_new_tokens=4)
    assert lines[0].error == "" and lines[0].text == model.recognize(line_images[0], max_new_tokens=4).text
    assert "missing.png" in lines[1].error


def test_errors_are_mlxocr_exceptions(model: mlxocr.Model, line_images: List[Path], tmp_path):
    assert issubclass(mlxocr.LimitError, mlxocr.UsageError)
    assert issubclass(mlxocr.UsageError, mlxocr.Error) and issubclass(mlxocr.Error, Exception)
    with pytest.raises(mlxocr.UsageError, match="no-such-folder"):
        mlxocr.Model.load(tmp_path / "no-such-folder")
    with pytest.raises(mlxocr.UsageError, match="num_beams"):
        model.recognize(line_images[0], num_beams=0)
    with pytest.raises(mlxocr.ConfigError, match="beam_width"):
        model.recognize(line_images[0], beam_width=2)
    with pytest.raises(mlxocr.LimitError, match="batch_size"):
        model.recognize(line_images[0], batch_size=100000)
    with pytest.raises(mlxocr.ImageError, match="2 channels"):
        model.recognize(np.zeros((8, 8, 2), np.uint8))
    with pytest.raises(TypeError, match="uint8"):
        model.recognize(np.zeros((8, 8), np.float32))
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(mlxocr.Error, match="config.json"):
        mlxocr.Model.load(tmp_path)
