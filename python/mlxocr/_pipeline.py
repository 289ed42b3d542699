"""mlxocr.Pipeline: forms, pages and lines read into the records of `mlxocr ocr --format json`."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Union

from mlxocr import _core
from mlxocr._images import ImageLike, is_path, is_single, to_array

# The columns of to_pandas(), as `mlxocr ocr --format csv` names them (pipeline/writers.h).
_COLUMNS = ["file", "page", "index", "name", "x", "y", "w", "h", "text", "confidence", "error"]


class Pages(List[Dict[str, Any]]):
    """The pages read: one dict per page (a PDF or TIFF gives one per page), each exactly the
    object `mlxocr ocr --format json` prints for it (image, page, width, height, fields with
    index, name, box, text, confidence, models, words; error when the page failed)."""

    def rows(self) -> List[Dict[str, Any]]:
        """One row per field of every page (a failed page gives one row with its error)."""
        out: List[Dict[str, Any]] = []
        for page in self:
            base = {"file": page["image"], "page": page["page"]}
            if "error" in page:
                out.append({**base, "error": page["error"]})
                continue
            for f in page["fields"]:
                box = f["box"]
                out.append(
                    {
                        **base,
                        "index": f["index"],
                        "name": f["name"],
                        "x": box["x"],
                        "y": box["y"],
                        "w": box["w"],
                        "h": box["h"],
                        "text": f["text"],
                        "confidence": f["confidence"],
                        "error": "",
                    }
                )
        return out

    def to_pandas(self) -> Any:
        """rows() as a pandas.DataFrame (pandas must be installed: pip install pandas)."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=_COLUMNS)


class Pipeline:
    """include/mlxocr/pipeline.h's Pipeline: models and options fixed once, then read().

    mode: "line" (each image is one line), "page" (lines found by the layout) or "form" (fields
    outlined in red on `template`; `align` registers each scan to it first; `fields` a JSON file
    naming the boxes). The other options are `mlxocr ocr`'s, named alike (see `mlxocr ocr
    --help`); models: folders or hub ids, the first model's text is the result; none: the
    bundled default. dtype: as Model.load's, for every model ("float32", "float16" or
    "bfloat16"; None: each model's own); another raises UsageError, a ValueError.
    """

    def __init__(
        self,
        models: Sequence[Union[str, "os.PathLike[str]"]] = (),
        *,
        dtype: Optional[str] = None,
        mode: str = "line",
        template: Optional[Union[str, "os.PathLike[str]"]] = None,
        align: bool = False,
        fields: Optional[Union[str, "os.PathLike[str]"]] = None,
        layout: str = "tesseract",
        detect_orientation: bool = True,
        dpi: int = 300,
        pages: str = "",
        batch_size: int = 8,
        max_new_tokens: int = 0,
        num_beams: int = 0,
        min_confidence: float = 0.0,
        max_pixels: Optional[int] = None,
        inset: int = 4,
        fit_to_ink: bool = True,
        contrast: float = 1.2,
        brightness: float = -20,
    ) -> None:
        if isinstance(models, (str, os.PathLike)):
            models = [models]
        o = _core.PipelineOptions()
        o.models = [os.fspath(m) for m in models] or [""]
        o.dtype = dtype or ""
        o.mode = _enum(_core.RegionMode, mode, "mode")
        o.layout = _enum(_core.LayoutEngine, layout, "layout")
        o.template_file = os.fspath(template) if template is not None else ""
        o.align = align
        o.fields_file = os.fspath(fields) if fields is not None else ""
        o.detect_orientation = detect_orientation
        o.dpi = dpi
        o.pages = pages
        o.batch_size = batch_size
        o.max_new_tokens = max_new_tokens
        o.num_beams = num_beams
        o.min_confidence = min_confidence
        if max_pixels is not None:
            o.max_pixels = max_pixels
        o.inset = inset
        o.fit_to_ink = fit_to_ink
        o.contrast = contrast
        o.brightness = brightness
        self._pipeline = _core.Pipeline(o)

    def read(self, inputs: Union[ImageLike, Sequence[ImageLike]]) -> Pages:
        """Reads image files, PDFs, multi-page TIFFs, PIL images or uint8 arrays; one record
        per page, in order. A page that fails gets an "error" record; the others are read."""
        items = [inputs] if is_single(inputs) else list(inputs)
        with tempfile.TemporaryDirectory(prefix="mlxocr-") as tmp:
            # In-memory images reach the engine as lossless PNGs, named "<array N>" in records.
            files, names = [], {}
            for i, item in enumerate(items):
                if is_path(item):
                    files.append(os.fspath(item))
                    continue
                png = os.path.join(tmp, f"array-{i}.png")
                _core.write_png(to_array(item), png)
                files.append(png)
                names[png] = f"<array {i}>"
            pages = Pages(json.loads(page) for page in self._pipeline.run(files))
        for page in pages:
            page["image"] = names.get(page["image"], page["image"])
        return pages


def _enum(kind: Any, value: str, what: str) -> Any:
    try:
        return getattr(kind, value)
    except AttributeError:
        choices = ", ".join(kind.__members__)
        raise _core.UsageError(f"{what} must be one of {choices}; got {value!r}") from None
