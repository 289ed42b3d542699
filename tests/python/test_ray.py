"""mlxocr.ray on a local Ray cluster of two worker processes (ctest: PythonPackage.ray).

One job reads line images, copies of them and a corrupt file with two PageReader actors, one of
which kills its own process (SIGKILL) in the middle of a batch; the tests then check the written
Parquet and JSON Lines against `mlxocr ocr --format json` on the same files. Skipped, with the
reason printed, where ray is not importable (python/requirements-ray.txt installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

ray = pytest.importorskip(
    "ray",
    reason="ray is not importable: the Ray tests need pip install -r python/requirements-ray.txt "
    "(./dev.sh build installs it into .venv)",
)
import pyarrow.parquet as pq  # noqa: E402  ray[data] brings pyarrow

import mlxocr.ray  # noqa: E402
from conftest import LINE_IMAGES, run_cli_json  # noqa: E402

SETTINGS = {"mode": "line", "max_new_tokens": 12}
VICTIM = "copy1_table_rgb.png"  # the batch holding this file is the one whose worker dies


class KilledOnce(mlxocr.ray.PageReader):
    """A PageReader that notes each start in `starts`, and SIGKILLs its own process (as the OOM
    killer would) the first time it is given VICTIM: `marker` is created exclusively, so that
    one worker of the job dies once."""

    def __init__(self, pipeline_options: Dict[str, Any], starts: str, marker: str) -> None:
        super().__init__(pipeline_options)
        self._marker = marker
        open(os.path.join(starts, str(os.getpid())), "a").close()

    def __call__(self, batch: Any) -> Any:
        import signal

        if any(p.endswith("/" + VICTIM) for p in batch.column("path").to_pylist()):
            try:
                os.close(os.open(self._marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                os.kill(os.getpid(), signal.SIGKILL)
            except FileExistsError:
                pass
        return super().__call__(batch)


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes (one CPU each), a small object store, no dashboard."""
    ray.init(
        num_cpus=2,
        object_store_memory=100 * 2**20,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    # The test's reader class travels by value: the workers cannot import this test module.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The line images, each twice more under another name, and a corrupt PNG: 16 files."""
    folder = tmp_path_factory.mktemp("inputs")
    for image in LINE_IMAGES:
        for prefix in ("", "copy1_", "copy2_"):
            shutil.copy(image, folder / (prefix + image.name))
    (folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 8)
    return folder


@pytest.fixture(scope="module")
def job(cluster, inputs: Path, tmp_path_factory) -> Dict[str, Any]:
    work = tmp_path_factory.mktemp("job")
    (work / "starts").mkdir()
    summary = mlxocr.ray.run(
        [str(inputs)],
        str(work / "out"),
        workers=2,
        files_per_batch=3,
        reader_class=KilledOnce,
        reader_kwargs={"starts": str(work / "starts"), "marker": str(work / "killed")},
        **SETTINGS,
    )
    return {"summary": summary, "work": work}


def parquet_rows(folder: Path) -> List[Dict[str, Any]]:
    return pq.read_table(folder).to_pylist()


def jsonl_rows(folder: Path) -> List[Dict[str, Any]]:
    rows = []
    for name in sorted(os.listdir(folder)):
        with open(folder / name) as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def cli_pages(files: List[str]) -> Dict[str, Dict[str, Any]]:
    pages = run_cli_json("ocr", "--max-new-tokens", "12", "--format", "json", *files)
    pages = [pages] if isinstance(pages, dict) else pages  # one file: one object, not a list
    return {page["image"]: page for page in pages}


def test_a_worker_died_and_was_replaced(job):
    assert (job["work"] / "killed").exists(), "no worker was killed: the test tested nothing"
    # Two actors started, and the killed one again (restarted by Ray, or replaced).
    assert len(os.listdir(job["work"] / "starts")) >= 3


def test_every_file_once_in_each_format(job, inputs: Path):
    files = sorted(str(p) for p in inputs.iterdir())
    out = job["work"] / "out"
    for rows in (parquet_rows(out / "parquet"), jsonl_rows(out / "jsonl")):
        assert sorted(r["file"] for r in rows) == files  # line mode: one page per file
    assert job["summary"]["files"] == len(files) == 16
    assert job["summary"]["pages"] == 16
    assert job["summary"]["errors"] == 1
    assert not [p for p in os.listdir(out) if ".tmp-" in p]  # renamed into place


def test_results_equal_the_cli(job, inputs: Path):
    rows = {r["file"]: r for r in parquet_rows(job["work"] / "out" / "parquet")}
    readable = sorted(f for f in rows if not f.endswith("corrupt.png"))
    cli = cli_pages(readable)
    for name in readable:
        row, expected = rows[name], cli[name]
        assert row["error"] == "" and "error" not in expected
        record = json.loads(row["record"])
        assert [f["text"] for f in record["fields"]] == [f["text"] for f in expected["fields"]]
        assert [f["text"] for f in row["fields"]] == [f["text"] for f in expected["fields"]]
        for got, want in zip(row["fields"], expected["fields"]):
            assert got["confidence"] == pytest.approx(want["confidence"], abs=1e-5)
            assert [got[k] for k in "xywh"] == [want["box"][k] for k in "xywh"]
        assert (row["width"], row["height"]) == (expected["width"], expected["height"])
    # The copies read as their originals: every worker holds the same model.
    for name in readable:
        base = os.path.basename(name)
        original = rows[str(inputs / base.replace("copy1_", "").replace("copy2_", ""))]
        assert rows[name]["text"] == original["text"]


def test_corrupt_file_is_a_row_with_its_error(job, inputs: Path):
    rows = [r for r in parquet_rows(job["work"] / "out" / "parquet") if r["error"]]
    assert [r["file"] for r in rows] == [str(inputs / "corrupt.png")]
    assert "corrupt.png" in rows[0]["error"]
    assert rows[0]["fields"] == [] and rows[0]["text"] == ""


def test_command_line_entry(cluster, inputs: Path, tmp_path: Path, capsys):
    files = [str(inputs / LINE_IMAGES[0].name), str(inputs / "corrupt.png")]
    code = mlxocr.ray.main(
        [*files, "--output", str(tmp_path), "--format", "jsonl", "--workers", "1",
         "--max-new-tokens", "12"]
    )
    assert code == 0
    # Ray logs to stdout too: the summary is the line main() printed, a JSON object.
    lines = capsys.readouterr().out.splitlines()
    summary = json.loads([line for line in lines if line.startswith('{"files"')][-1])
    assert (summary["files"], summary["pages"], summary["errors"]) == (2, 2, 1)
    rows = {r["file"]: r for r in jsonl_rows(tmp_path / "jsonl")}
    assert sorted(rows) == sorted(files)
    assert not (tmp_path / "parquet").exists()
    expected = cli_pages(files[:1])[files[0]]
    assert rows[files[0]]["text"] == "\n".join(f["text"] for f in expected["fields"])
