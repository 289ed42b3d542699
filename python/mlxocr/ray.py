"""mlxocr.ray: OCR over many files on a Ray cluster (Ray Data), one model per worker.

    import mlxocr.ray
    summary = mlxocr.ray.run(["scans/"], "out/", mode="form", template="template.png",
                             align=True, workers=4)          # out/parquet/*.parquet, out/jsonl/*.json

    python -m mlxocr.ray scans/ s3://bucket/more/ --output out --workers 4 \\
        --mode form --template template.png --align

Files are read with ray.data.read_binary_files (local folders, files, or any URI Ray's filesystems
take), then map_batches hands each batch to a PageReader actor, which loads the models and the
Pipeline's options once and reads the batch with mlxocr.Pipeline. One output row per page: the
file, the page, its fields (lines in page mode) with their boxes, texts and confidences, the CLI's
JSON record, and an error column: a file that cannot be read is a row with its error, never the
end of the job. An actor whose process dies is restarted by Ray and its batch read again
(Ray Data's actor defaults: max_restarts and max_task_retries unlimited); the failed attempt's
output is dropped, so no page is lost or written twice. See docs/python.md, "Ray".

Needs Ray Data (pip install "mlxocr[ray]", or python/requirements-ray.txt): not a dependency of
the package itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

# The Ray version the package is tested with (python/requirements-ray.txt pins it).
RAY_REQUIREMENT = "ray[data]==2.60.0"

try:
    import pyarrow as pa
    import ray
    import ray.data
except ImportError as error:  # pragma: no cover - exercised where ray is absent
    raise ImportError(
        f"mlxocr.ray needs Ray Data: pip install '{RAY_REQUIREMENT}' (or pip install "
        f"'mlxocr[ray]'); {error}"
    ) from error

# The files read by default from a folder: what the engine opens (image/image.h, PDF, TIFF).
FILE_EXTENSIONS = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp", "pdf", "pbm", "pgm", "ppm"]

FORMATS = ("parquet", "jsonl")

# One row per page. fields holds the page's fields (form mode) or lines (line and page modes) as
# `mlxocr ocr --format csv` has them; record is the page's object of `mlxocr ocr --format json`.
FIELD = pa.struct(
    [
        ("index", pa.int32()),
        ("name", pa.string()),
        ("x", pa.int32()),
        ("y", pa.int32()),
        ("w", pa.int32()),
        ("h", pa.int32()),
        ("text", pa.string()),
        ("confidence", pa.float64()),
    ]
)
SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("page", pa.int32()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("text", pa.string()),
        ("fields", pa.list_(FIELD)),
        ("error", pa.string()),
        ("record", pa.string()),
    ]
)


class PageReader:
    """The map_batches actor: one mlxocr.Pipeline per worker, loaded when the actor starts.

    pipeline_options are mlxocr.Pipeline's keyword arguments (models, mode, template, align,
    fields, num_beams, ...). A batch is a pyarrow Table with "bytes" and "path" columns
    (read_binary_files(include_paths=True)); the result is a Table of SCHEMA, one row per page.
    """

    def __init__(self, pipeline_options: Dict[str, Any]) -> None:
        import mlxocr

        self._pipeline = mlxocr.Pipeline(**pipeline_options)

    def __call__(self, batch: "pa.Table") -> "pa.Table":
        paths = batch.column("path").to_pylist()
        contents = batch.column("bytes").to_pylist()
        rows: List[Dict[str, Any]] = []
        with tempfile.TemporaryDirectory(prefix="mlxocr-ray-") as tmp:
            files = [_spill(tmp, i, path, data) for i, (path, data) in enumerate(zip(paths, contents))]
            for path, pages in zip(paths, self._read(files)):
                rows += [_row(path, page) for page in pages]
        return pa.Table.from_pylist(rows, schema=SCHEMA)

    def _read(self, files: List[str]) -> List[List[Dict[str, Any]]]:
        """The pages of each file, in order. Files the engine fails on are reported in their
        pages' records; should the call itself raise, each file is read alone, so that the
        exception fails only the file that caused it."""
        try:
            return _by_file(files, self._pipeline.read(files))
        except Exception:  # noqa: BLE001 - any failure is recorded per file below
            return [self._read_one(f) for f in files]

    def _read_one(self, file: str) -> List[Dict[str, Any]]:
        try:
            return list(self._pipeline.read([file]))
        except Exception as error:  # noqa: BLE001 - recorded, never fatal
            return [{"image": file, "page": 1, "error": f"{type(error).__name__}: {error}"}]


def _spill(folder: str, index: int, path: str, data: bytes) -> str:
    """The bytes of `path` as a local file the engine opens by name: under its own base name (the
    engine and its messages go by the name's extension), in a folder of its own."""
    where = os.path.join(folder, str(index))
    os.mkdir(where)
    local = os.path.join(where, os.path.basename(path.rstrip("/")) or "file")
    with open(local, "wb") as out:
        out.write(data)
    return local


def _by_file(files: List[str], pages: Iterable[Dict[str, Any]]) -> List[List[Dict[str, Any]]]:
    where = {f: i for i, f in enumerate(files)}
    grouped: List[List[Dict[str, Any]]] = [[] for _ in files]
    for page in pages:
        grouped[where[page["image"]]].append(page)
    return grouped


def _row(path: str, page: Dict[str, Any]) -> Dict[str, Any]:
    """A page's record as a row of SCHEMA, the record naming the original path or URI."""
    record = {**page, "image": path}
    fields = [
        {
            "index": f["index"],
            "name": f["name"],
            **{k: f["box"][k] for k in ("x", "y", "w", "h")},
            "text": f["text"],
            "confidence": f["confidence"],
        }
        for f in page.get("fields", [])
    ]
    return {
        "file": path,
        "page": page.get("page", 1),
        "width": page.get("width"),
        "height": page.get("height"),
        "text": "\n".join(f["text"] for f in fields),
        "fields": fields,
        "error": page.get("error", ""),
        "record": json.dumps(record, ensure_ascii=False),
    }


def read_dataset(
    inputs: Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]],
    *,
    workers: int = 2,
    files_per_batch: int = 4,
    cpus_per_worker: float = 1,
    file_extensions: Optional[List[str]] = FILE_EXTENSIONS,
    reader_class: type = PageReader,
    reader_kwargs: Optional[Dict[str, Any]] = None,
    **pipeline_options: Any,
) -> "ray.data.Dataset":
    """A lazy Ray Dataset of the pages of `inputs` (files, folders, URIs), one row per page
    (SCHEMA), read by `workers` PageReader actors, `files_per_batch` files per call.

    pipeline_options are mlxocr.Pipeline's (models, mode, template, align, fields, num_beams,
    ...); paths they name (template, fields, models) must exist on every worker. Each actor
    reserves cpus_per_worker CPUs and its engine computes on as many threads. reader_class: a
    PageReader subclass (its own post-processing, say), given reader_kwargs besides.
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    paths = [os.fspath(p) for p in inputs]
    # Reading bytes is I/O: its tasks reserve no CPU, so that actors holding every CPU of the
    # cluster (workers x cpus_per_worker) do not wait forever for a read task to be scheduled.
    files = ray.data.read_binary_files(
        paths, include_paths=True, file_extensions=file_extensions, num_cpus=0
    )
    threads = str(max(1, int(cpus_per_worker)))
    return files.map_batches(
        reader_class,
        fn_constructor_kwargs={"pipeline_options": pipeline_options, **(reader_kwargs or {})},
        batch_size=files_per_batch,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=cpus_per_worker,
        # The engine's threads (OpenBLAS's and mlxocr's kernels) follow the actor's CPUs, not the
        # machine's cores: N actors on a node share its cores instead of each using them all.
        runtime_env={"env_vars": {"OPENBLAS_NUM_THREADS": threads, "MLXOCR_THREADS": threads}},
    )


def run(
    inputs: Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]],
    output: Union[str, "os.PathLike[str]"],
    *,
    formats: Sequence[str] = FORMATS,
    **options: Any,
) -> Dict[str, Any]:
    """Reads `inputs` (read_dataset's options) and writes the pages under `output`: parquet/ and
    jsonl/ (one file per block, Ray's names). Returns a summary: files, pages, errors, seconds,
    and the folders written. Ray must be initialised (ray.init) or is started locally.

    A local output folder is written beside and renamed into place when complete, so that a
    reader never sees half a result; a URI is written in place.
    """
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}; got {list(formats)}")
    start = time.perf_counter()
    pages = read_dataset(inputs, **options).materialize()  # read once, written in each format
    written = []
    for fmt in formats:
        target = _join(os.fspath(output), fmt)
        with _atomic_folder(target) as folder:
            if fmt == "parquet":
                pages.write_parquet(folder)
            else:
                pages.write_json(folder)  # JSON Lines: one object per line
        written.append(target)
    rows = pages.select_columns(["file", "error"]).take_all()  # two short columns
    return {
        "files": len({r["file"] for r in rows}),
        "pages": len(rows),
        "errors": sum(1 for r in rows if r["error"]),
        "seconds": round(time.perf_counter() - start, 3),
        "outputs": written,
    }


def _join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name if "://" in base else os.path.join(base, name)


class _atomic_folder:
    """A local folder written under a temporary name beside it, renamed into place on success
    (an existing folder of that name is replaced); URIs are written in place."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.local = "://" not in target
        self.temp = f"{target}.tmp-{uuid.uuid4().hex[:8]}" if self.local else target

    def __enter__(self) -> str:
        if self.local:
            os.makedirs(os.path.dirname(os.path.abspath(self.target)), exist_ok=True)
        return self.temp

    def __exit__(self, kind: Any, value: Any, trace: Any) -> None:
        if not self.local:
            return
        if kind is not None:
            shutil.rmtree(self.temp, ignore_errors=True)
            return
        if os.path.isdir(self.target):
            shutil.rmtree(self.target)
        os.replace(self.temp, self.target)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m mlxocr.ray",
        description="Reads images, PDFs and TIFFs on a Ray cluster with mlxocr, one model per "
        "worker; writes one row per page as Parquet and/or JSON Lines.",
    )
    p.add_argument("inputs", nargs="+", help="files, folders or URIs (s3://, gs://, ...)")
    p.add_argument("--output", "-o", required=True, help="output folder (or URI)")
    p.add_argument("--format", default="parquet,jsonl", help="parquet, jsonl or both (default)")
    p.add_argument("--workers", type=int, default=2, help="actors, each holding the models")
    p.add_argument("--cpus-per-worker", type=float, default=1, help="CPUs each actor reserves")
    p.add_argument("--files-per-batch", type=int, default=4, help="files per actor call")
    p.add_argument("--address", help="Ray cluster to join (default: RAY_ADDRESS, else local)")
    p.add_argument("--object-store-mb", type=int, help="local Ray's object store size")
    p.add_argument("--model", "-m", action="append", default=[], help="model folder or hub id")
    p.add_argument("--mode", choices=["line", "page", "form"], default="line")
    p.add_argument("--template", help="form mode: the blank form, fields outlined in red")
    p.add_argument("--align", action="store_true", help="register each scan to the template")
    p.add_argument("--fields", help="form mode: a JSON file naming the boxes")
    p.add_argument("--layout", choices=["tesseract", "simple"], default="tesseract")
    p.add_argument("--no-detect-orientation", action="store_true")
    p.add_argument("--dpi", type=int, default=300, help="PDF rendering resolution")
    p.add_argument("--pages", default="", help="pages of PDFs and TIFFs, e.g. 1-3,5")
    p.add_argument("--batch-size", type=int, default=8, help="crops per model call")
    p.add_argument("--num-beams", type=int, default=0)
    p.add_argument("--max-new-tokens", type=int, default=0)
    p.add_argument("--min-confidence", type=float, default=0.0)
    return p


def _pipeline_options(args: argparse.Namespace) -> Dict[str, Any]:
    return {
        "models": args.model,
        "mode": args.mode,
        "template": args.template,
        "align": args.align,
        "fields": args.fields,
        "layout": args.layout,
        "detect_orientation": not args.no_detect_orientation,
        "dpi": args.dpi,
        "pages": args.pages,
        "batch_size": args.batch_size,
        "num_beams": args.num_beams,
        "max_new_tokens": args.max_new_tokens,
        "min_confidence": args.min_confidence,
    }


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    if not ray.is_initialized():
        if args.address or os.environ.get("RAY_ADDRESS"):
            ray.init(address=args.address, include_dashboard=False)
        else:
            memory = args.object_store_mb * 2**20 if args.object_store_mb else None
            ray.init(
                num_cpus=max(1, int(args.workers * args.cpus_per_worker)),
                object_store_memory=memory,
                include_dashboard=False,
            )
    summary = run(
        args.inputs,
        args.output,
        formats=formats,
        workers=args.workers,
        cpus_per_worker=args.cpus_per_worker,
        files_per_batch=args.files_per_batch,
        **_pipeline_options(args),
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
