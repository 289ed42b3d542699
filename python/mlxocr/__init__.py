"""mlxocr: TrOCR handwriting and print recognition on MLX's C++ engine.

    import mlxocr
    model = mlxocr.Model.load()                      # the bundled model; or a folder, a hub id
    line = model.recognize("line.png", num_beams=4)  # paths, PIL images or uint8 NumPy arrays
    print(line.text, line.confidence)

    pipeline = mlxocr.Pipeline(mode="form", template="template.png", align=True)
    pages = pipeline.read(["scan1.png", "scan2.png"])  # records as `mlxocr ocr --format json`
    frame = pages.to_pandas()                           # one row per field (pandas installed)

Every computation runs with the GIL released: threads each holding their own Model or Pipeline
read in parallel. Errors are mlxocr.Error subclasses carrying the engine's message.
See docs/python.md.
"""

from __future__ import annotations

import os
from pathlib import Path

# The installed wheel carries the bundled model beside the package; the engine finds its default
# model through MLXOCR_DEFAULT_MODEL (src/io/default_model.cpp), unless the user set it already.
_BUNDLED_MODEL = Path(__file__).resolve().parent / "models" / "mlxocr-fields-tiny"
if not os.environ.get("MLXOCR_DEFAULT_MODEL") and (_BUNDLED_MODEL / "config.json").is_file():
    os.environ["MLXOCR_DEFAULT_MODEL"] = str(_BUNDLED_MODEL)

from mlxocr import _core  # noqa: E402
from mlxocr._core import (  # noqa: E402
    CheckpointError,
    ConfigError,
    DataError,
    Error,
    FileError,
    HubError,
    HubNetworkError,
    ImageError,
    LimitError,
    TokenizerError,
    TrainingError,
    UsageError,
)
from mlxocr._cli import cli_path, convert, evaluate, train  # noqa: E402
from mlxocr._model import Line, Model, Word  # noqa: E402
from mlxocr._pipeline import Pages, Pipeline  # noqa: E402

__version__ = _core.__version__

__all__ = [
    "CheckpointError",
    "ConfigError",
    "DataError",
    "Error",
    "FileError",
    "HubError",
    "HubNetworkError",
    "ImageError",
    "LimitError",
    "Line",
    "Model",
    "Pages",
    "Pipeline",
    "TokenizerError",
    "TrainingError",
    "UsageError",
    "Word",
    "cli_path",
    "convert",
    "evaluate",
    "train",
]
