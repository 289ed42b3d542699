#!/bin/bash
# The exact script of run15 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended.
# ./mlxocr-run15 was a copy of build/mlxocr at commit 6d7e74e.
# run15: run 14 at step 10000, 10000 more steps at lr 2e-4 (seed 16) on the same train5.csv: a
# second pass over its 160 000 lines in a new order, at a lower learning rate.
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train5.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run15 --max-steps 10000 --batch-size 16
  --lr 2e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 1000 --save-every 500 --keep-last 3 --seed 16 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run15 train "${ARGS[@]}" "${@:2}"
