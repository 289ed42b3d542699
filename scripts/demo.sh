#!/usr/bin/env bash
# The README's first command ends here (./dev.sh demo): the main job on the bundled default.
# No trained model is bundled yet, so this runs the line pipeline (image file -> PIL-exact
# preprocessing -> encoder -> greedy / beam decoding -> tokenizer) on a bundled fixture checkpoint —
# a tiny TrOCR with RANDOM weights — and says so: its "text" is noise by construction.
set -euo pipefail
MLXOCR=$1
FIXTURE=tests/fixtures/models/deit-trocr
IMAGES=(tests/fixtures/images/bilevel_template.png tests/fixtures/images/table_rgb.png
  tests/fixtures/images/photo_rgb.jpg)
"$MLXOCR" --version
cat <<TXT

NOTE: no trained model is bundled yet. This demo runs the recognition pipeline on
      $FIXTURE, a tiny TrOCR checkpoint with RANDOM weights (made by
      tools/reference/make_model_fixtures.py to test parity with transformers), so the text
      below is meaningless; what it shows is that every stage runs, end to end.

TXT
"$MLXOCR" inspect "$FIXTURE"
echo
"$MLXOCR" recognize --model "$FIXTURE" --max-new-tokens 24 "${IMAGES[@]}"
echo
echo "Beam search (4 beams, 2 best hypotheses) with scores and confidences, as JSON:"
"$MLXOCR" recognize --model "$FIXTURE" --num-beams 4 --num-return-sequences 2 --max-new-tokens 8 \
  --format json "${IMAGES[1]}"
