"""The `mlxocr` command installed with the package, and the jobs run through it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from mlxocr import _core


def cli_path() -> str:
    """The mlxocr executable: $MLXOCR_CLI, else the one installed in the wheel (mlxocr/bin), else
    the one of the build folder this package was imported from (build/python/mlxocr)."""
    if os.environ.get("MLXOCR_CLI"):
        return os.environ["MLXOCR_CLI"]
    here = Path(__file__).resolve().parent
    for candidate in (here / "bin" / "mlxocr", Path(__file__).parent.parent.parent / "mlxocr"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise _core.FileError(f"{here / 'bin' / 'mlxocr'}: the mlxocr executable is missing")


def main() -> None:
    """Console entry point: runs the C++ CLI with this process's arguments."""
    import mlxocr  # noqa: F401  sets MLXOCR_DEFAULT_MODEL to the installed model

    path = cli_path()
    os.execv(path, [path, *sys.argv[1:]])


def _run_json(args: List[str]) -> Dict[str, Any]:
    done = subprocess.run([cli_path(), *args], capture_output=True, text=True)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        error = _core.UsageError if done.returncode == 2 else _core.Error
        raise error(message[-1] if message else f"mlxocr {args[0]} exited {done.returncode}")
    return json.loads(done.stdout)


def convert(
    input: Union[str, "os.PathLike[str]"],
    output: Union[str, "os.PathLike[str]"],
    *,
    dtype: Optional[str] = None,
    quantize: int = 0,
    group_size: int = 64,
    quantize_encoder: bool = False,
    base: Optional[Union[str, "os.PathLike[str]"]] = None,
    force: bool = False,
) -> Dict[str, Any]:
    """`mlxocr convert`: a checkpoint to mlxocr's layout (half precision, 4/8-bit); returns its
    --json summary. Options as the CLI's (mlxocr convert --help)."""
    args = ["convert", "-i", os.fspath(input), "-o", os.fspath(output), "--json"]
    if dtype:
        args += ["--dtype", dtype]
    if quantize:
        args += ["-q", str(quantize), "--group-size", str(group_size)]
    if quantize_encoder:
        args.append("--quantize-encoder")
    if base is not None:
        args += ["--base", os.fspath(base)]
    if force:
        args.append("--force")
    return _run_json(args)


def _flags(options: Dict[str, Any]) -> List[str]:
    """Keyword arguments as the CLI's long options: num_beams=4 -> --num-beams 4; True -> the
    bare flag; None and False -> nothing; a list -> the option once per item."""
    args: List[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for item in value:
                args += [flag, os.fspath(item) if isinstance(item, os.PathLike) else str(item)]
        else:
            args += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return args


def _run(args: List[str]) -> None:
    done = subprocess.run([cli_path(), *args], capture_output=True, text=True)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        error = _core.UsageError if done.returncode == 2 else _core.Error
        raise error(message[-1] if message else f"mlxocr {args[0]} exited {done.returncode}")


def evaluate(
    data: Union[str, "os.PathLike[str]"],
    model: Optional[Union[str, "os.PathLike[str]"]] = None,
    **options: Any,
) -> Dict[str, Any]:
    """`mlxocr eval`: CER, WER and exact matches of a model (default: the bundled one) on a
    dataset; returns the report its --json writes (cer, wer, exact_match, lines, worst, ...).
    options are the CLI's, named alike (batch_size, num_beams, max_new_tokens, max_pixels)."""
    with tempfile.TemporaryDirectory(prefix="mlxocr-eval-") as tmp:
        report = os.path.join(tmp, "report.json")
        args = ["eval", "--data", os.fspath(data), "--json", report, *_flags(options)]
        if model is not None:
            args += ["--model", os.fspath(model)]
        _run(args)
        with open(report, encoding="utf-8") as f:
            return json.load(f)


def train(
    train: Union[str, "os.PathLike[str]"],
    output: Union[str, "os.PathLike[str]"],
    model: Optional[Union[str, "os.PathLike[str]"]] = None,
    **options: Any,
) -> Path:
    """`mlxocr train`: fine-tunes a model on a dataset into `output` (checkpoint-<step>/ folders,
    metrics.jsonl); options are the CLI's, named alike (eval, epochs, max_steps, batch_size, lr,
    ...: `mlxocr train --help`). Returns `output`. Runs in a child process: MLX's distributed
    launchers (docs/training.md) start `mlxocr train` directly."""
    args = ["train", "--train", os.fspath(train), "--output", os.fspath(output), *_flags(options)]
    if model is not None:
        args += ["--model", os.fspath(model)]
    _run(args)
    return Path(output)
