#!/bin/bash
# The exact script of run13 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended.
# ./mlxocr-run13 was a copy of build/mlxocr at commit c3f6295.
# run13: run 12 at step 8000, 3000 more steps at lr 3e-4 (run 12 was still improving at its end).
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train4.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run13 --max-steps 3000 --batch-size 16
  --lr 3e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 500 --save-every 500 --keep-last 3 --seed 14 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run13 train "${ARGS[@]}" "${@:2}"
