#!/bin/bash
# The exact script of run21 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended.
# ./mlxocr-run21 was a copy of build/mlxocr at commit 9ca20d3 (the engine did not change since
# run 16).
# run21: run 20 at step 6000, 6000 more steps at lr 3e-4 (seed 22) on train10.csv: the 40 000
# lines of pad-train-k and -l and 40 000 new ones, pad-train-m and -n (synth.py --seed 15 / 16
# --handwriting-share 0.65 --stroke-share 0.5).
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train10.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run21 --max-steps 6000 --batch-size 16
  --lr 3e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 1000 --save-every 500 --keep-last 3 --seed 22 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run21 train "${ARGS[@]}" "${@:2}"
