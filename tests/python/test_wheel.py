"""The README's install: `pip install .` into a fresh venv builds the wheel, and the installed
package and its `mlxocr` command read with the bundled model installed beside them, as the build
folder's do. Run by ctest as PythonPackage.wheel (a few minutes: see docs/python.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import LINE_IMAGES, ROOT

PROBE = """
import json, sys, mlxocr
line = mlxocr.Model.load().recognize(sys.argv[1], max_new_tokens=12)
import os
print(json.dumps({"file": mlxocr.__file__, "model": os.environ["MLXOCR_DEFAULT_MODEL"], "text": line.text, "token_ids": line.token_ids,
                  "confidence": line.confidence}))
"""


def clean_env() -> dict:
    """This process's environment without what points at the build folder."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "MLXOCR_CLI", "MLXOCR_DEFAULT_MODEL", "VIRTUAL_ENV")}
    # The engine's objects come from ccache when dev.sh set it up (same flags, same depth below
    # the project); the project venv's MLX keeps the compile lines identical to the main build's.
    mlx_cmake = subprocess.run([sys.executable, "-m", "mlx", "--cmake-dir"], capture_output=True,
                               text=True, check=True).stdout.strip()
    nanobind_cmake = subprocess.run([sys.executable, "-m", "nanobind", "--cmake_dir"],
                                    capture_output=True, text=True, check=True).stdout.strip()
    env["CMAKE_ARGS"] = f"-DMLX_ROOT={mlx_cmake} -Dnanobind_ROOT={nanobind_cmake}"
    # Make, as dev.sh's build (the same compile lines for ccache), on the machine's two cores.
    env.setdefault("CMAKE_GENERATOR", "Unix Makefiles")
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", "2")
    # CMake's own default compiler (c++), which scikit-build-core would replace by g++: ccache
    # counts the compiler's name in its key.
    env.setdefault("CXX", shutil.which("c++") or "c++")
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("wheel") / "venv"
    venv.create(where, with_pip=True)
    python = where / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check",
                           "-q", str(ROOT)], env=clean_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return where


def test_installed_package_reads_as_the_build(installed: Path):
    import mlxocr

    image = str(LINE_IMAGES[0])
    done = subprocess.run([str(installed / "bin" / "python"), "-c", PROBE, image],
                          env=clean_env(), capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["file"].startswith(str(installed))  # not the build folder's package
    # The default model is the copy installed with the package, not the source tree's.
    assert got["model"].startswith(str(installed)) and got["model"].endswith("mlxocr-fields-tiny")
    expected = mlxocr.Model.load(ROOT / "models" / "mlxocr-fields-tiny").recognize(
        image, max_new_tokens=12)
    assert (got["text"], got["token_ids"], got["confidence"]) == (
        expected.text, expected.token_ids, expected.confidence)


def test_installed_command_finds_the_bundled_model(installed: Path):
    image = str(LINE_IMAGES[0])
    done = subprocess.run([str(installed / "bin" / "mlxocr"), "recognize", "--format", "json",
                           "--max-new-tokens", "12", image], env=clean_env(), capture_output=True,
                          text=True, cwd="/")
    assert done.returncode == 0, done.stderr
    import mlxocr

    expected = mlxocr.Model.load(ROOT / "models" / "mlxocr-fields-tiny").recognize(
        image, max_new_tokens=12)
    assert json.loads(done.stdout)[0]["text"] == expected.text
