#!/bin/bash
# The exact script of run16 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended.
# ./mlxocr-run16 was a copy of build/mlxocr at commit 9098e80.
# run16: run 14 at step 10000, 9000 more steps at lr 3e-4 (seed 17) on train6.csv: train5.csv
# plus twice the 48 000 lines of pad-train-e and -f (synth.py --seed 7 / 8
# --handwriting-share 0.65), drawn with nine more handwriting fonts and two more printed ones
# and, new in synth.py, pens of other widths and a hand's uneven baseline and spacing.
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train6.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run16 --max-steps 9000 --batch-size 16
  --lr 3e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 1000 --save-every 500 --keep-last 3 --seed 17 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run16 train "${ARGS[@]}" "${@:2}"
