#!/bin/bash
# The exact script of run20 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended.
# ./mlxocr-run20 was a copy of build/mlxocr at commit 9ca20d3 (the engine did not change since
# run 16).
# run20: run 19 at step 6000, 6000 more steps at lr 3e-4 (seed 21) on train9.csv: train8.csv plus
# the 40 000 lines of pad-train-k and -l (synth.py --seed 13 / 14 --handwriting-share 0.65
# --stroke-share 0.5), drawn after a third of the stroke hands got a broad nib or brush.
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train9.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run20 --max-steps 6000 --batch-size 16
  --lr 3e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 1000 --save-every 500 --keep-last 3 --seed 21 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run20 train "${ARGS[@]}" "${@:2}"
