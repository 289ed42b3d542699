#!/bin/bash
# The exact script of run17 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended.
# ./mlxocr-run17 was a copy of build/mlxocr at commit 9098e80.
# run17: run 16 at step 9000, 3000 more steps at lr 1.5e-4 (seed 18) on the same train6.csv
# (run 16's eval CER was still falling at its end).
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train6.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run17 --max-steps 3000 --batch-size 16
  --lr 1.5e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 1000 --save-every 500 --keep-last 3 --seed 18 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run17 train "${ARGS[@]}" "${@:2}"
