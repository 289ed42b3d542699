#!/bin/bash
# The exact script of run12 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended.
# ./mlxocr-run12 was a copy of build/mlxocr at commit 8c9fdb0. At step 1 712 the job was stopped
# and resumed from checkpoint-1500 by the same script with ./mlxocr-run12b (build/mlxocr at commit
# b0262e0: the training-step kernels, ~1.4x faster) and `--resume /work/dm/run12/checkpoint-1500`.
# run12: run 11 at step 4000, 8000 more steps at lr 4e-4 (run 11 was still improving at its end).
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train4.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run12 --max-steps 8000 --batch-size 16
  --lr 4e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 500 --save-every 500 --keep-last 3 --seed 13 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run12 train "${ARGS[@]}" "${@:2}"
