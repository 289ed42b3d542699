#!/bin/bash
# The exact script of run11 (tools/default_model/README.md, record). DATA was /work/dm on the
# development machine; $1 is the checkpoint it starts from, further arguments are appended
# (e.g. --resume RUN/checkpoint-N). ./mlxocr-run9 / ./mlxocr-run11 were copies of build/mlxocr
# of the day, kept apart so that rebuilding did not touch a running job.
# run11: run 10 at step 5000, every line length again, lower lr (run 10 was still improving at its end).
# still with --token-dropout 0.4 and --ctc-weight 0.5 (the CTC head starts afresh).
cd /work/dm
ARGS=(-m "$1" --train /work/dm/train4.csv
  --eval /work/dm/pad-test/eval100.csv -o /work/dm/run11 --max-steps 4000 --batch-size 16
  --lr 5e-4 --warmup-steps 100 --weight-decay 0.01 --label-smoothing 0.1 --grad-clip 1.0
  --max-target-length 64 --eval-every 500 --save-every 500 --keep-last 3 --seed 12 --no-dropout
  --token-dropout 0.4 --ctc-weight 0.5 --no-progress)
exec ./mlxocr-run11 train "${ARGS[@]}" "${@:2}"
