#!/bin/bash
# The exact script of run14 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended.
# ./mlxocr-run14 was a copy of build/mlxocr at commit 58de43b.
# run14: run 13 at step 3000, 10000 more steps at lr 3e-4 on train5.csv: train4.csv plus
# 40 000 lines (pad-train-c, -d: synth.py --seed 5 / 6 --handwriting-share 0.6) drawn with the
# eight handwriting fonts and one printed font added to synth.py's training split.
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train5.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run14 --max-steps 10000 --batch-size 16
  --lr 3e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 1000 --save-every 500 --keep-last 3 --seed 15 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run14 train "${ARGS[@]}" "${@:2}"
