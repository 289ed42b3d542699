#!/usr/bin/env bash
# The README's first command ends here (./dev.sh demo): the main job — reading the fields of a
# scanned form with its template — on the bundled sample form.
# No trained model is bundled yet, so the recognizer is a bundled fixture checkpoint: a tiny
# TrOCR with RANDOM weights. Every stage runs for real; the text it reads is noise.
set -euo pipefail
MLXOCR=$1
MODEL=tests/fixtures/models/vit-trocr
FORMS=tests/fixtures/forms
OUT=${DEMO_OUTPUT:-build/demo}
"$MLXOCR" --version
cat <<TXT

NOTE: no trained model is bundled yet. The recognizer below is $MODEL,
      a tiny TrOCR with RANDOM weights (made by tools/reference/make_model_fixtures.py to
      test parity with transformers), so the field texts are meaningless. What the demo shows
      is the real pipeline: the 18 red fields of the users' template, the scan aligned to it
      (shifted and rotated), a crop per field, recognition, JSON/CSV and pictures.

TXT
"$MLXOCR" ocr -m "$MODEL" --template "$FORMS/00_template.png" --align --max-new-tokens 12 \
  --format text "$FORMS/sample_scan.png" -o "$OUT"
echo
echo "Fields read (index, name, text) — $OUT/sample_scan.txt:"
cat "$OUT/sample_scan.txt"
echo
echo "Pictures: $OUT/sample_scan.guides.png, $OUT/sample_scan.annotated.png, crops in $OUT/sample_scan.crops/"
