#!/bin/bash
# The exact script of run10 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended
# (e.g. --resume RUN/checkpoint-N). ./mlxocr-run9 / ./mlxocr-run11 were copies of build/mlxocr
# of the day, kept apart so that rebuilding did not touch a running job.
# run10: run9's weights (alignment found on short lines) on every line length (train4.csv),
# still with --token-dropout 0.4 and --ctc-weight 0.5 (the CTC head starts afresh).
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train4.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run10 --max-steps 5000 --batch-size 16
  --lr 7e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 500 --save-every 250 --keep-last 4 --seed 11 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run9 train "${ARGS[@]}" "${@:2}"
