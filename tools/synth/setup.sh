#!/usr/bin/env bash
# Creates tools/synth/.venv with the two packages the generator needs (pinned, from PyPI). The
# fonts come from Debian packages (see README.md); the word list is committed (words.txt).
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
.venv/bin/python -c "import PIL, numpy; print('synth venv: Pillow', PIL.__version__, 'numpy', numpy.__version__)"
