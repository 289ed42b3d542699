"""The type stubs name every public name of the engine module and every name the package exports."""

from __future__ import annotations

import ast
from pathlib import Path

import mlxocr
from mlxocr import _core

STUBS = Path(mlxocr.__file__).resolve().parent / "_core.pyi"


def stub_names() -> set:
    tree = ast.parse(STUBS.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_core_stubs_cover_the_module():
    public = {n for n in dir(_core) if not n.startswith("_")} | {"__version__"}
    assert public == stub_names()


def test_package_exports_exist():
    assert all(hasattr(mlxocr, name) for name in mlxocr.__all__)
    assert (Path(mlxocr.__file__).resolve().parent / "py.typed").is_file()
