#!/usr/bin/env python3
"""Writes the checkpoint-reader fixtures under tests/fixtures/io/.

Run with the reference venv (torch, safetensors, huggingface_hub, numpy):

    tools/reference/.venv/bin/python tools/reference/make_io_fixtures.py

Every valid file is written by the reference libraries themselves (safetensors, torch.save,
huggingface_hub's sharding); expected.json records, for each file, the tensors torch says it
holds: dtype, shape and the raw little-endian bit pattern of every element (exact, NaN and inf
included). The corrupt and malicious files are made from reference-written files or with the
standard pickle/zipfile modules in torch's layout. Nothing malicious is ever unpickled here.
"""

import collections
import io
import json
import os
import pickle
import platform
import shutil
import struct
import sys
import zipfile
from pathlib import Path

import huggingface_hub
import numpy as np
import safetensors
import safetensors.torch
import torch

OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "io"
PWNED = "/tmp/mlxocr_pwned"

DTYPE_NAMES = {
    torch.float32: "float32",
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
    torch.float64: "float64",
    torch.int64: "int64",
    torch.int32: "int32",
    torch.int16: "int16",
    torch.int8: "int8",
    torch.uint8: "uint8",
    torch.bool: "bool",
}


def expected_entry(tensor):
    """dtype, shape and element bits of `tensor` as we expect to load it (float64 -> float32)."""
    tensor = tensor.detach()
    stored = DTYPE_NAMES[tensor.dtype]
    if tensor.dtype == torch.float64:
        tensor = tensor.to(torch.float32)  # what our loaders do: MLX GPUs have no float64
    values = tensor.contiguous()
    item = values.element_size()
    raw = values.reshape(-1).view(torch.uint8).numpy().tobytes() if values.numel() else b""
    bits = np.frombuffer(raw, dtype=f"<u{item}").tolist()
    return {
        "stored_dtype": stored,
        "dtype": DTYPE_NAMES[tensor.dtype],
        "shape": list(values.shape),
        "bits": bits,
    }


def expected_map(tensors):
    return {name: expected_entry(t) for name, t in sorted(tensors.items()) if torch.is_tensor(t)}


def base_tensors():
    g = torch.Generator().manual_seed(20240611)
    f32 = torch.randn(2, 3, 4, generator=g)
    f32.view(-1)[:5] = torch.tensor([float("inf"), float("-inf"), float("nan"), -0.0, 1e-45])
    f16 = torch.randn(6, generator=g).to(torch.float16)
    f16[:4] = torch.tensor([65504.0, float("-inf"), 6e-8, -0.0]).to(torch.float16)
    bf16 = (torch.randn(3, 4, generator=g) * 100).to(torch.bfloat16)
    bf16[0, :3] = torch.tensor([float("nan"), 3.0e38, -1e-40]).to(torch.bfloat16)
    return {
        "f32_3d": f32,
        "f16_vec": f16,
        "bf16_mat": bf16,
        "f64_vec": torch.tensor([1.0 / 3.0, -2.5e-300, 1e300, 123456789.123456789], dtype=torch.float64),
        "i64_one": torch.tensor([-9007199254740993], dtype=torch.int64),  # [1], beyond 2^53
        "i64_vec": torch.tensor([-(2**63), 2**63 - 1, 0, -1, 2**40 + 7], dtype=torch.int64),
        "i32_mat": torch.randint(-(2**31), 2**31 - 1, (2, 3), generator=g, dtype=torch.int32),
        "i16_vec": torch.tensor([-32768, 32767, 5], dtype=torch.int16),
        "i8_vec": torch.tensor([-128, 127, 0, -7], dtype=torch.int8),
        "u8_vec": torch.tensor([0, 255, 128], dtype=torch.uint8),
        "bool_vec": torch.tensor([True, False, True, True]),
        "empty_0x4": torch.zeros(0, 4),
        "scalar_0d": torch.tensor(3.25),
    }


def small_module_state_dict():
    torch.manual_seed(7)
    model = torch.nn.Sequential(
        collections.OrderedDict(
            embed=torch.nn.Embedding(5, 4),
            proj=torch.nn.Linear(4, 3),
            norm=torch.nn.LayerNorm(3),
        )
    )
    with torch.no_grad():
        model.norm.weight.uniform_(-1, 1)
        model.norm.bias.uniform_(-1, 1)
    return model.state_dict()  # an OrderedDict with a _metadata attribute (pickled via BUILD)


def view_tensors():
    """Tensors that share storages or are non-contiguous views, as torch.save keeps them."""
    g = torch.Generator().manual_seed(99)
    weight = torch.randn(4, 6, generator=g)
    rows = torch.randn(5, 3, generator=g)
    grid = torch.randn(4, 6, generator=g)
    column = torch.randn(3, 1, generator=g)
    return {
        "tied.a": weight,
        "tied.b": weight,  # the same tensor object: tied weights
        "tied.reshaped": weight.view(6, 4),  # another tensor on the same storage
        "transposed": weight.t(),  # strides (1, 6)
        "rows": rows,
        "sliced": rows[2:],  # storage offset 6
        "strided": grid[1:, ::2],  # offset 6, strides (6, 2)
        "expanded": column.expand(3, 4),  # stride 0
        "half_t": torch.randn(3, 2, generator=g).to(torch.float16).t(),
        "param": torch.nn.Parameter(torch.randn(3, generator=g)),  # _rebuild_parameter
    }


# ---------------------------------------------------------------------------------------------
# Malicious pickles (made, never loaded).


class _CallOnLoad:
    """Pickles as a call of `function(*args)`, which an unrestricted unpickler would run."""

    def __init__(self, function, args):
        self.function = function
        self.args = args

    def __reduce__(self):
        return (self.function, self.args)


class _TensorWithHook:
    """A genuine _rebuild_tensor_v2 call whose backward_hooks argument is a malicious call."""

    def __init__(self, storage, hook):
        self.storage = storage
        self.hook = hook

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, (self.storage, 0, (2,), (1,), False, self.hook))


class _BadView:
    """A _rebuild_tensor_v2 call with a view that does not fit its storage."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride)

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args + (False, collections.OrderedDict()))


def write_torch_style_zip(path, pickle_bytes, folder=None, storages=None, compression=zipfile.ZIP_STORED,
                          byteorder=b"little"):
    """A zip laid out as torch.save lays it out, around a pickle we made ourselves."""
    folder = folder or path.stem
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        z.writestr(f"{folder}/data.pkl", pickle_bytes)
        z.writestr(f"{folder}/byteorder", byteorder)
        for key, data in (storages or {}).items():
            z.writestr(f"{folder}/data/{key}", data)
        z.writestr(f"{folder}/version", b"3\n")


def rewrite_zip(source, target, transform):
    """Copies a torch.save zip entry by entry; transform(name, data) returns (name, data, method)
    or None to drop the entry."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            result = transform(info.filename, src.read(info.filename))
            if result is None:
                continue
            name, data, method = result
            dst.writestr(zipfile.ZipInfo(name), data, compress_type=method)


def typed_storage(tensor):
    return torch.storage.TypedStorage(wrap_storage=tensor.untyped_storage(), dtype=tensor.dtype, _internal=True)


def make_malicious(expected):
    # posix.system through GLOBAL (protocol 2), as a value of an otherwise plain dict.
    evil_system = {"weight": _CallOnLoad(os.system, (f"touch {PWNED}",))}
    write_torch_style_zip(OUT / "evil_system.bin", pickle.dumps(evil_system, protocol=2))
    # builtins.eval.
    evil_eval = {"weight": _CallOnLoad(eval, (f"__import__('os').system('touch {PWNED}')",))}
    write_torch_style_zip(OUT / "evil_eval.bin", pickle.dumps(evil_eval, protocol=2))
    # subprocess.Popen through STACK_GLOBAL (protocol 4, framed and memoized).
    import subprocess

    evil_popen = collections.OrderedDict(weight=_CallOnLoad(subprocess.Popen, (["touch", PWNED],)))
    write_torch_style_zip(OUT / "evil_popen_proto4.bin", pickle.dumps(evil_popen, protocol=4))
    # A real torch.save archive whose tensor carries posix.system in its backward_hooks.
    carrier = torch.tensor([1.0, 2.0])
    torch.save({"weight": _TensorWithHook(typed_storage(carrier), _CallOnLoad(os.system, (f"touch {PWNED}",)))},
               OUT / "evil_in_tensor.bin")
    expected["malicious"] = {
        "evil_system.bin": "posix.system",
        "evil_eval.bin": "__builtin__.eval",  # protocol 2 writes Python 2's module name
        "evil_popen_proto4.bin": "subprocess.Popen",
        "evil_in_tensor.bin": "posix.system",
    }


def make_broken_bins():
    source = OUT / "tensors.bin"
    # The same archive with every entry deflated.
    rewrite_zip(source, OUT / "deflated.bin", lambda n, d: (n, d, zipfile.ZIP_DEFLATED))
    # Marked as written on a big-endian machine.
    rewrite_zip(source, OUT / "bigendian.bin",
                lambda n, d: (n, b"big" if n.endswith("/byteorder") else d, zipfile.ZIP_STORED))
    # A storage file missing: drop data/1 (the storage of some tensor).
    rewrite_zip(source, OUT / "missing_storage.bin",
                lambda n, d: None if n.endswith("/data/1") else (n, d, zipfile.ZIP_STORED))
    # Cut in half: no central directory.
    data = source.read_bytes()
    (OUT / "truncated.bin").write_bytes(data[: len(data) // 2])
    # The pre-1.6 format.
    torch.save({"w": torch.ones(2)}, OUT / "legacy.bin", _use_new_zipfile_serialization=False)
    # A list instead of a dict.
    torch.save([torch.ones(2)], OUT / "not_a_dict.bin")
    # Views reaching past their storage (6 floats): offset 4 + size 3, and an overflowing shape.
    storage = typed_storage(torch.arange(6, dtype=torch.float32))
    torch.save({"weight": _BadView(storage, 4, (3,), (1,))}, OUT / "view_out_of_bounds.bin")
    storage = typed_storage(torch.arange(6, dtype=torch.float32))
    torch.save({"weight": _BadView(storage, 0, (2**31 - 1, 2**31 - 1, 4), (2**40, 2**40, 1))},
               OUT / "view_overflow.bin")
    # One float expanded (stride 0) to a 1 GiB tensor: a small file must not expand without bound.
    storage = typed_storage(torch.ones(1))
    torch.save({"weight": _BadView(storage, 0, (16384, 16384), (0, 0))}, OUT / "view_expansion.bin")


# ---------------------------------------------------------------------------------------------
# Corrupt safetensors files.


def safetensors_bytes(header, data=b"", pad=True):
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def make_corrupt_safetensors():
    good = (OUT / "tensors.safetensors").read_bytes()
    broken_json = b'{"w": {"dtype": "F32", "shape": [2], '
    corrupt = {
        # 5 bytes: not even a header length.
        "short.safetensors": good[:5],
        # Cut in the middle of the data section.
        "truncated.safetensors": good[: len(good) - 40],
        # Header length larger than the file.
        "header_too_long.safetensors": struct.pack("<Q", 4096) + b'{"a":1}',
        # A header length no reader should believe.
        "header_huge.safetensors": struct.pack("<Q", 2**62) + b"{}",
        # Offsets beyond the data.
        "offsets_outside.safetensors": safetensors_bytes(
            {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8000]}}, b"\0" * 8),
        # The example of the brief: 4096 bytes cannot hold [32, 64] floats.
        "shape_mismatch.safetensors": safetensors_bytes(
            {"decoder.output_projection.weight": {"dtype": "F32", "shape": [32, 64], "data_offsets": [0, 4096]}},
            b"\0" * 4096),
        # dtype size does not match either: 2 x F16 is 4 bytes, offsets say 8.
        "dtype_mismatch.safetensors": safetensors_bytes(
            {"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8),
        # Broken JSON.
        "bad_json.safetensors": struct.pack("<Q", len(broken_json)) + broken_json,
        # Unknown dtype.
        "unknown_dtype.safetensors": safetensors_bytes(
            {"w": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8),
        # A dtype safetensors knows and MLX lacks.
        "fp8.safetensors": safetensors_bytes(
            {"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, b"\0" * 2),
        # A negative dimension.
        "negative_shape.safetensors": safetensors_bytes(
            {"w": {"dtype": "F32", "shape": [-1, 2], "data_offsets": [0, 8]}}, b"\0" * 8),
        # A shape whose byte count overflows 64 bits.
        "overflow_shape.safetensors": safetensors_bytes(
            {"w": {"dtype": "F32", "shape": [2**31 - 1] * 3, "data_offsets": [0, 8]}}, b"\0" * 8),
        # Two tensors on the same bytes.
        "overlap.safetensors": safetensors_bytes(
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12),
        # Metadata values must be strings.
        "bad_metadata.safetensors": safetensors_bytes(
            {"__metadata__": {"format": 5}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}},
            b"\0" * 4),
        # Deeply nested JSON.
        "deep_json.safetensors": struct.pack("<Q", 20000) + b"[" * 10000 + b"]" * 10000,
    }
    for name, data in corrupt.items():
        (OUT / name).write_bytes(data)
    return sorted(corrupt)


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    expected = {"files": {}}

    base = base_tensors()
    metadata = {"format": "pt", "source": "mlxocr io fixtures"}
    safetensors.torch.save_file(base, OUT / "tensors.safetensors", metadata=metadata)
    expected["files"]["tensors.safetensors"] = expected_map(base)
    expected["metadata"] = {"tensors.safetensors": metadata}

    views = view_tensors()
    with_views = {**base, **views, "epoch": 3, "note": "not a tensor", "lr": 0.5, "flags": [True, None]}
    torch.save(with_views, OUT / "tensors.bin")
    expected["files"]["tensors.bin"] = expected_map(with_views)

    small = {k: base[k] for k in ("f32_3d", "bf16_mat", "i64_vec", "scalar_0d")}
    small["transposed"] = views["transposed"]
    torch.save(small, OUT / "tensors_proto4.bin", pickle_protocol=4)
    expected["files"]["tensors_proto4.bin"] = expected_map(small)

    module = small_module_state_dict()
    torch.save(module, OUT / "module.bin")
    safetensors.torch.save_file(dict(module), OUT / "module.safetensors")
    expected["files"]["module.bin"] = expected_map(module)
    expected["files"]["module.safetensors"] = expected_map(module)
    optimizer = {"state": {0: {"step": torch.tensor(4.0), "exp_avg": torch.ones(3)}}, "param_groups": [{"lr": 0.1}]}
    torch.save({"state_dict": module, "epoch": 7, "optimizer": optimizer}, OUT / "nested_state_dict.bin")
    torch.save({"model": module, "args": {"lr": 0.1}}, OUT / "nested_model.bin")
    expected["files"]["nested_state_dict.bin"] = expected_map(module)
    expected["files"]["nested_model.bin"] = expected_map(module)

    # Sharded checkpoints as huggingface_hub writes them (the same code transformers uses).
    g = torch.Generator().manual_seed(5)
    sharded = {f"layer.{i}.weight": torch.randn(8, 8, generator=g) for i in range(4)}
    sharded["layer.0.bias"] = torch.randn(8, generator=g).to(torch.bfloat16)
    (OUT / "sharded").mkdir()
    (OUT / "sharded_bin").mkdir()
    huggingface_hub.save_torch_state_dict(sharded, OUT / "sharded", max_shard_size=600)
    huggingface_hub.save_torch_state_dict(sharded, OUT / "sharded_bin", max_shard_size=600, safe_serialization=False)
    expected["files"]["sharded"] = expected_map(sharded)
    expected["files"]["sharded_bin"] = expected_map(sharded)
    for folder in ("sharded", "sharded_bin"):
        shards = sorted(p.name for p in (OUT / folder).iterdir() if not p.name.endswith(".json"))
        assert len(shards) >= 2, f"{folder} should have several shards, has {shards}"

    make_malicious(expected)
    make_broken_bins()
    expected["corrupt_safetensors"] = make_corrupt_safetensors()

    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    versions = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "safetensors": safetensors.__version__,
        "huggingface_hub": huggingface_hub.__version__,
        "numpy": np.__version__,
        "generator": "tools/reference/make_io_fixtures.py",
    }
    (OUT / "versions.json").write_text(json.dumps(versions, indent=1, sort_keys=True) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {sum(1 for p in OUT.rglob('*') if p.is_file())} files, {total} bytes, to {OUT}")
    assert not os.path.exists(PWNED), "a malicious fixture ran while being made"


if __name__ == "__main__":
    sys.exit(main())
