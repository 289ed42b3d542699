#!/usr/bin/env bash
# The README's first command ends here (./dev.sh demo): the main job on the bundled default.
# No trained model is bundled yet, so this runs what exists on a bundled fixture checkpoint —
# a tiny TrOCR with RANDOM weights — and says so.
set -euo pipefail
MLXOCR=$1
FIXTURE=tests/fixtures/models/vit-trocr
"$MLXOCR" --version
echo
echo "NOTE: no trained model is bundled yet. This demo loads a tiny TrOCR checkpoint with RANDOM"
echo "      weights ($FIXTURE, made by tools/reference/make_model_fixtures.py), so it shows the"
echo "      checkpoint loader and model, not real text."
echo
"$MLXOCR" inspect "$FIXTURE"
