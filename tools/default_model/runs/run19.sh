#!/bin/bash
# The exact script of run19 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended.
# ./mlxocr-run19 was a copy of build/mlxocr at commit 9ca20d3 (the engine did not change since
# run 16).
# run19: run 16 at step 9000 (the bundled model), 6000 more steps at lr 3e-4 (seed 20) on
# train8.csv: the 60 000 lines of pad-train-i and -j (synth.py --seed 11 / 12
# --handwriting-share 0.65 --stroke-share 0.5), where half the handwriting-style lines are drawn
# as pen strokes in a hand of their own (tools/synth/hershey.py).
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train8.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run19 --max-steps 6000 --batch-size 16
  --lr 3e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 1000 --save-every 500 --keep-last 3 --seed 20 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run19 train "${ARGS[@]}" "${@:2}"
