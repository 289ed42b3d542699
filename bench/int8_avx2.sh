#!/usr/bin/env bash
# bench/int8_avx2.sh — 8-bit models against float32 and PyTorch float32 on the int8 path of an
# AVX2-only CPU, stood in for on an AVX-512 machine: mlxocr with MLXOCR_INT8_PATH=avx2 and
# OpenBLAS held to its Haswell (AVX2) kernels (OPENBLAS_CORETYPE=Haswell), PyTorch held to AVX2
# (ATEN_CPU_CAPABILITY=avx2, MKL_ENABLE_INSTRUCTIONS=AVX2). The native AVX-512 figures (float32
# and the avx512vnni path) run in the same rounds for comparison. Prints bench/int8_report.py's
# markdown table (medians over all runs, ratios, load averages); raw JSON in $WORK/int8.
#
#   bench/int8_avx2.sh                          trocr-small and trocr-base, 2 rounds
#   ARCHS=trocr-small ROUNDS=1 bench/int8_avx2.sh
#
# Environment as bench/run.sh: ARCHS, ROUNDS, THREADS, NEW_TOKENS, MLXOCR, REFERENCE_PYTHON,
# BENCH_WORK (its models and lines are reused; made here when missing), OPENBLAS. Workload: batch
# 1, greedy, NEW_TOKENS tokens, the encoder and decoder both 8-bit (--quantize 8
# --quantize-encoder, groups of 64, as convert -q 8 --quantize-encoder stores them).
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/common.sh
bench_needs int8_avx2.sh reference mlxocr openblas

OUT="$WORK/int8"
mkdir -p "$OUT"
rm -f "$OUT"/*.json
bench_make_inputs int8_avx2.sh

flags=(--images "$WORK/lines" --threads "$THREADS" --new-tokens "$NEW_TOKENS" --warmup 1
  --batch-sizes 1 --num-beams 1 --no-limits)
q8=(--quantize 8 --quantize-encoder)
torch() {  # torch NAME ARCH [environment]
  local name=$1 arch=$2
  shift 2
  cat "$WORK/models/$arch"/*.safetensors >/dev/null
  env "$@" "$PY" bench/torch_bench.py bench --model "$WORK/models/$arch" --images "$WORK/lines" \
    --new-tokens "$NEW_TOKENS" --threads "$THREADS" --runs "$runs" --warmup 1 --batch-sizes 1 \
    --num-beams 1 --no-limits --json "$OUT/$arch.$name.$round.json"
}

uptime >"$OUT/uptime.before"
start=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  for arch in $ARCHS; do
    runs=$([ "$arch" = trocr-base ] && echo 2 || echo 3)
    echo "== round $round/$ROUNDS, $arch" >&2
    ours_int8 avx2-f32 "$arch" Haswell off
    ours_int8 avx2-q8 "$arch" Haswell avx2 "${q8[@]}"
    torch avx2-torch "$arch" ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2
    ours_int8 native-f32 "$arch" "" off
    ours_int8 native-q8 "$arch" "" avx512vnni "${q8[@]}"
    torch native-torch "$arch"
  done
done
echo "$(( $(date +%s) - start ))" >"$OUT/seconds"
uptime >"$OUT/uptime.after"
"$PY" bench/int8_report.py "$OUT" \
  "ARCHS=\"$ARCHS\" ROUNDS=$ROUNDS THREADS=$THREADS NEW_TOKENS=$NEW_TOKENS bench/int8_avx2.sh"
