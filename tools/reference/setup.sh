#!/usr/bin/env bash
# Creates a reference venv: `setup.sh` or `setup.sh v4` makes tools/reference/.venv with the pinned
# stack of the users' migration guide (requirements.txt: transformers 4.53.1, torch 2.4, Pillow
# 10.4); `setup.sh v5` makes tools/reference/.venv-v5 with today's releases (requirements-v5.txt:
# transformers 5, Pillow 13); `setup.sh ort` makes tools/reference/.venv-ort with
# requirements.txt's stack plus optimum 1.27, onnx and onnxruntime (requirements-ort.txt) for the
# ONNX Runtime benchmark peer (bench/ort_bench.py): issue 31 measured users' fastest CPU route,
# an optimum export run by ONNX Runtime, ahead of us where the encoder dominates, so bench/run.sh
# measures it beside PyTorch. It is its own venv so that the PyTorch peer's stays exactly the
# parity tests' reference. Only the fixture scripts and the benchmark peers use these venvs; the
# build and the tests never do.
set -euo pipefail
cd "$(dirname "$0")"
case "${1:-v4}" in
  v4) venv=.venv requirements=requirements.txt ;;
  v5) venv=.venv-v5 requirements=requirements-v5.txt ;;
  ort) venv=.venv-ort requirements=requirements-ort.txt ;;
  *) echo "usage: $0 [v4|v5|ort]" >&2; exit 2 ;;
esac
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
"$venv/bin/python" -c "import torch, transformers, PIL; print('reference venv $venv: torch', torch.__version__, 'transformers', transformers.__version__, 'Pillow', PIL.__version__)"
if [ "$venv" = .venv-ort ]; then
  "$venv/bin/python" -c "import onnxruntime, optimum.version, onnx; print('  onnxruntime', onnxruntime.__version__, 'optimum', optimum.version.__version__, 'onnx', onnx.__version__)"
fi
