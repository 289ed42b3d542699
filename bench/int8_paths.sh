#!/usr/bin/env bash
# bench/int8_paths.sh — 8-bit models on every int8 path this CPU has, against float32, in the
# same rounds: mlxocr float32 (no quantization) with OpenBLAS's own kernels for this CPU and with
# its Haswell (AVX2) kernels (OPENBLAS_CORETYPE=Haswell: the float32 of a CPU with AVX-VNNI or
# AVX2 but no AVX-512), and mlxocr 8-bit (--quantize 8 --quantize-encoder, groups of 64) with
# MLXOCR_INT8_PATH=avx512vnni, avxvnni, avx2 and off (off: the dequantized weights through
# sgemm), OpenBLAS native. Paths the CPU lacks are left out.
# The systems are alternated, in reverse order every other round, so that a shared machine's
# load falls on all of them alike. Prints bench/int8_report.py --paths's markdown table (medians
# over all runs, ratios to float32, load averages); raw JSON in $BENCH_WORK/int8-paths.
#
#   bench/int8_paths.sh                          trocr-small and trocr-base, 2 rounds
#   ARCHS=trocr-small ROUNDS=1 NEW_TOKENS=8 bench/int8_paths.sh
#
# Environment as bench/int8_avx2.sh: ARCHS, ROUNDS, THREADS, NEW_TOKENS, MLXOCR,
# REFERENCE_PYTHON (only to make the random-weight models and the lines when missing),
# BENCH_WORK, RESULTS (the JSON's folder, emptied first), PATHS (default: every int8 path this CPU can run, fastest first), RUNS (runs per
# process; default 2 for trocr-small, 1 for trocr-base) and BATCH_SIZES (default 1,8). Workload:
# the encoder alone, a greedy decoder alone (ms/token), end to end at each batch size.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/common.sh
bench_needs int8_paths.sh mlxocr openblas

if [ -z "${PATHS:-}" ]; then  # the CPU's flags as Linux names them (int8_path.h's checks)
  flags=$(grep -m1 '^flags' /proc/cpuinfo)
  has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }
  PATHS=""
  has avx512f avx512bw avx512_vnni && PATHS="$PATHS avx512vnni"
  has avx2 fma avx_vnni && PATHS="$PATHS avxvnni"
  has avx2 fma && PATHS="$PATHS avx2"
  PATHS="${PATHS# } off"
fi

OUT=${RESULTS:-$WORK/int8-paths}
mkdir -p "$OUT"
rm -f "$OUT"/*.json
bench_make_inputs int8_paths.sh

flags=(--images "$WORK/lines" --threads "$THREADS" --new-tokens "$NEW_TOKENS" --warmup 1
  --batch-sizes "${BATCH_SIZES:-1,8}" --num-beams 1 --no-limits)

systems=(f32 f32-haswell)
for p in $PATHS; do systems+=("q8-$p"); done
uptime >"$OUT/uptime.before"
start=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  order=("${systems[@]}")
  if (( round % 2 == 0 )); then
    order=()
    for (( i = ${#systems[@]} - 1; i >= 0; i-- )); do order+=("${systems[i]}"); done
  fi
  for arch in $ARCHS; do
    runs=${RUNS:-$([ "$arch" = trocr-base ] && echo 1 || echo 2)}
    echo "== round $round/$ROUNDS, $arch: ${order[*]}" >&2
    for s in "${order[@]}"; do
      case $s in
        f32) ours_int8 f32 "$arch" "" off ;;
        f32-haswell) ours_int8 f32-haswell "$arch" Haswell off ;;
        *) ours_int8 "$s" "$arch" "" "${s#q8-}" --quantize 8 --quantize-encoder ;;
      esac
    done
  done
done
echo "$(( $(date +%s) - start ))" >"$OUT/seconds"
uptime >"$OUT/uptime.after"
python3 bench/int8_report.py --paths "$OUT" "ARCHS=\"$ARCHS\" ROUNDS=$ROUNDS THREADS=$THREADS \
NEW_TOKENS=$NEW_TOKENS RUNS=${RUNS:-} BATCH_SIZES=${BATCH_SIZES:-1,8} bench/int8_paths.sh"
