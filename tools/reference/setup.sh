#!/usr/bin/env bash
# Creates tools/reference/.venv with the pinned reference stack (torch + transformers). Only the
# fixture scripts and the PyTorch benchmark peer use it; the build and the tests never do.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
.venv/bin/python -c "import torch, transformers; print('reference venv: torch', torch.__version__, 'transformers', transformers.__version__)"
