#!/bin/bash
# The exact script of run18 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended.
# ./mlxocr-run18 was a copy of build/mlxocr at commit 9098e80 (the engine did not change since).
# run18: run 16 at step 9000, 3500 more steps at lr 2e-4 (seed 19) on train7.csv: train6.csv plus
# twice the 40 000 lines of pad-train-g and -h (synth.py --seed 9 / 10 --handwriting-share 0.7),
# where half the handwriting-style lines are drawn character by character (glyph_layout).
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train7.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run18 --max-steps 3500 --batch-size 16
  --lr 2e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 1000 --save-every 500 --keep-last 3 --seed 19 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run18 train "${ARGS[@]}" "${@:2}"
