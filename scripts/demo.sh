#!/usr/bin/env bash
# The README's first command ends here (./dev.sh demo): the main job on the bundled default.
set -euo pipefail
MLXOCR=$1
"$MLXOCR" --version
