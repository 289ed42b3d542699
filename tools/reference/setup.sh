#!/usr/bin/env bash
# Creates a reference venv: `setup.sh` or `setup.sh v4` makes tools/reference/.venv with the pinned
# stack of the users' migration guide (requirements.txt: transformers 4.53.1, torch 2.4, Pillow
# 10.4); `setup.sh v5` makes tools/reference/.venv-v5 with today's releases (requirements-v5.txt:
# transformers 5, Pillow 13). Only the fixture scripts and the PyTorch benchmark peer use them;
# the build and the tests never do.
set -euo pipefail
cd "$(dirname "$0")"
case "${1:-v4}" in
  v4) venv=.venv requirements=requirements.txt ;;
  v5) venv=.venv-v5 requirements=requirements-v5.txt ;;
  *) echo "usage: $0 [v4|v5]" >&2; exit 2 ;;
esac
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
"$venv/bin/python" -c "import torch, transformers, PIL; print('reference venv $venv: torch', torch.__version__, 'transformers', transformers.__version__, 'Pillow', PIL.__version__)"
