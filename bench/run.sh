#!/usr/bin/env bash
# bench/run.sh — mlxocr beside PyTorch and ONNX Runtime on the benchmark protocol's fixed workload,
# then bench/RESULTS.md and bench/results.png (bench/report.py).
#
#   bench/run.sh                         the full table (trocr-small and trocr-base shapes)
#   ARCHS=trocr-small ROUNDS=1 bench/run.sh   a quicker look
#
# Environment: ARCHS (default "trocr-small trocr-base"), ROUNDS (alternations of the systems,
# default 2; BASE_ROUNDS, default ROUNDS, caps trocr-base's when time is short), THREADS (default nproc), NEW_TOKENS (32), MLXOCR (build/mlxocr), REFERENCE_PYTHON
# (the tools/reference venv, which has torch and transformers), PEERS (the peers to run: "torch ort"
# when the ORT venv exists, else "torch"), ORT_PYTHON (tools/reference/.venv-ort, made by
# `tools/reference/setup.sh ort`: optimum, onnx, onnxruntime), BENCH_WORK (bench/work: models,
# images and the raw JSON of every process, git-ignored), OPENBLAS (a libopenblas.so.0; found or
# fetched with apt-get download when unset, see below).
#
# Per round and shape, each system runs in its own process (clean peak RSS, its own load time),
# in alternation: mlxocr with OpenBLAS, PyTorch, ONNX Runtime float32, then mlxocr 8-bit (the
# decoder alone on trocr-small, then decoder and encoder) and ONNX Runtime dynamic int8. ONNX
# Runtime reads the model exported once by optimum (bench/ort_bench.py export, cached in
# BENCH_WORK/onnx). Medians over
# all runs of all rounds are reported, with the load averages before and after.
#
# Why OpenBLAS: MLX's Linux CPU wheel calls cblas_sgemm from the netlib reference BLAS it bundles
# (about 1 GFLOP/s on one core). Loading OpenBLAS first (LD_PRELOAD, or linking it: the CMake
# option MLXOCR_OPENBLAS) makes MLX's cblas_sgemm calls go to OpenBLAS; nothing else changes. One
# small process measures the wheel's own BLAS for the record.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/common.sh
BASE_ROUNDS=${BASE_ROUNDS:-$ROUNDS}
bench_needs run.sh reference mlxocr
ORT_PY=${ORT_PYTHON:-tools/reference/.venv-ort/bin/python}
if [ -z "${PEERS:-}" ]; then
  PEERS=torch
  if [ -x "$ORT_PY" ]; then
    PEERS="torch ort"
  else
    echo "run.sh: no ONNX Runtime venv ($ORT_PY; tools/reference/setup.sh ort makes it):" \
      "ONNX Runtime is left out of this run" >&2
  fi
fi
has_peer() { [[ " $PEERS " == *" $1 "* ]]; }
has_peer torch || { echo "run.sh: PEERS must include torch (the report's ratios start from it)" >&2; exit 2; }
if has_peer ort && ! [ -x "$ORT_PY" ]; then
  echo "run.sh: PEERS has ort but $ORT_PY is missing (tools/reference/setup.sh ort)" >&2
  exit 1
fi

find_openblas() {
  local lib
  for lib in /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0 \
    /usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0 \
    "$WORK/openblas/usr/lib/$(uname -m)-linux-gnu/openblas-pthread/libopenblas.so.0"; do
    [ -f "$lib" ] && { echo "$lib"; return; }
  done
  # Debian's libopenblas0-pthread, unpacked into the work folder: nothing system-wide changes.
  mkdir -p "$WORK/openblas"
  (cd "$WORK/openblas" && apt-get download -q libopenblas0-pthread >&2 &&
    dpkg -x libopenblas0-pthread_*.deb .)
  echo "$WORK/openblas/usr/lib/$(uname -m)-linux-gnu/openblas-pthread/libopenblas.so.0"
}
OPENBLAS=${OPENBLAS:-$(find_openblas)}

mkdir -p "$WORK/results"
rm -f "$WORK"/results/*.json
bench_make_inputs run.sh
for arch in $ARCHS; do
  # Exported once per model (not timed): float32, then its dynamic int8 quantization.
  if has_peer ort; then
    [ -f "$WORK/onnx/$arch/fp32/encoder_model.onnx" ] ||
      "$ORT_PY" bench/ort_bench.py export --model "$WORK/models/$arch" --out "$WORK/onnx/$arch/fp32"
    [ -f "$WORK/onnx/$arch/int8/encoder_model.onnx" ] ||
      "$ORT_PY" bench/ort_bench.py export --int8 --model "$WORK/onnx/$arch/fp32" \
        --out "$WORK/onnx/$arch/int8"
  fi
done

common=(--images "$WORK/lines" --threads "$THREADS")
ours() {  # ours NAME ARCH [extra flags]
  local name=$1 arch=$2
  shift 2
  LD_PRELOAD="$OPENBLAS" OPENBLAS_NUM_THREADS="$THREADS" "$MLXOCR" bench \
    --model "$WORK/models/$arch" "${common[@]}" --new-tokens "$NEW_TOKENS" "$@" --json "$WORK/results/$arch.$name.$round.json" >/dev/null
}
runs_for() { [ "$1" = trocr-base ] && echo 1 || echo 2; }
# Model load is timed from a warm page cache for both systems: this VM's page cache is reclaimed
# from outside between runs, and a load that happens to read the disk took 2-4x longer (trocr-base
# 4.3 s against 1.2 s in one run of 2026-11-26).
warm_cache() { cat "$WORK/models/$1"/*.safetensors >/dev/null; }
ort() {  # ort NAME ARCH PRECISION
  local dir="$WORK/onnx/$2/$3"
  echo "== round $round/$ROUNDS, $2: ONNX Runtime $3" >&2
  cat "$dir"/*.onnx >/dev/null  # warm page cache, as for the other systems
  "$ORT_PY" bench/ort_bench.py bench --onnx "$dir" --images "$WORK/lines" --precision "$3" \
    --new-tokens "$NEW_TOKENS" --threads "$THREADS" --runs "$runs" --warmup 1 \
    --json "$WORK/results/$2.$1.$round.json"
}

uptime | tee "$WORK/results/uptime.before"
start=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  for arch in $ARCHS; do
    [ "$arch" = trocr-base ] && [ "$round" -gt "$BASE_ROUNDS" ] && continue
    runs=$(runs_for "$arch")
    echo "== round $round/$ROUNDS, $arch: mlxocr (OpenBLAS)" >&2
    warm_cache "$arch"
    ours mlxocr "$arch" --runs "$runs" --warmup 1
    echo "== round $round/$ROUNDS, $arch: PyTorch" >&2
    warm_cache "$arch"
    "$PY" bench/torch_bench.py bench --model "$WORK/models/$arch" --images "$WORK/lines" \
      --new-tokens "$NEW_TOKENS" --threads "$THREADS" --runs "$runs" --warmup 1 \
      --json "$WORK/results/$arch.pytorch.$round.json"
    if has_peer ort; then ort ort "$arch" fp32; fi
    if [ "$arch" = trocr-small ]; then
      echo "== round $round/$ROUNDS, $arch: mlxocr 8-bit decoder" >&2
      warm_cache "$arch"
      ours mlxocr-q8 "$arch" --quantize 8 --runs 1 --warmup 1 --batch-sizes 1 --num-beams 1
    fi
    # Everything 8-bit: the encoder's layers as int8 products where the CPU has AVX-512 VNNI.
    echo "== round $round/$ROUNDS, $arch: mlxocr 8-bit decoder and encoder" >&2
    warm_cache "$arch"
    ours mlxocr-q8enc "$arch" --quantize 8 --quantize-encoder --runs "$runs" --warmup 1 \
      --batch-sizes 1,8 --num-beams 1
    if has_peer ort; then ort ort-int8 "$arch" int8; fi
  done
done
round=1
echo "== the wheel's own BLAS (reference BLAS), trocr-small, 4 tokens, batch 1" >&2
# Preloaded explicitly: without it cblas_sgemm may come from Debian's libblas.so.3, which is
# whatever the alternatives system points at (OpenBLAS once libopenblas0-pthread is installed).
wheel_blas=$(ls "$(.venv/bin/python -m mlx --cmake-dir)"/../mlx_cpu.libs/libblas-*.so* 2>/dev/null | head -1)
LD_PRELOAD="$wheel_blas" "$MLXOCR" bench --model "$WORK/models/trocr-small" "${common[@]}" --new-tokens 4 --runs 1 \
  --warmup 0 --batch-sizes 1 --num-beams 1 --json "$WORK/results/trocr-small.mlxocr-wheel-blas.1.json" >/dev/null
echo "== MLX's own CPU softmax/GELU (MLXOCR_CPU_KERNELS=0), trocr-small: our kernels' before/after" >&2
MLXOCR_CPU_KERNELS=0 LD_PRELOAD="$OPENBLAS" OPENBLAS_NUM_THREADS="$THREADS" "$MLXOCR" bench \
  --model "$WORK/models/trocr-small" "${common[@]}" --new-tokens "$NEW_TOKENS" --runs 1 --warmup 1 \
  --json "$WORK/results/trocr-small.mlxocr-mlx-ops.1.json" >/dev/null
echo "the full table took $(( $(date +%s) - start )) s" >"$WORK/results/seconds"
uptime | tee "$WORK/results/uptime.after"

base_rounds=""
[ "$BASE_ROUNDS" = "$ROUNDS" ] || base_rounds=" BASE_ROUNDS=$BASE_ROUNDS"
"$PY" bench/report.py --results "$WORK/results" --out bench \
  --command "ARCHS=\"$ARCHS\" PEERS=\"$PEERS\" ROUNDS=$ROUNDS$base_rounds THREADS=$THREADS NEW_TOKENS=$NEW_TOKENS bench/run.sh" \
  --mlxocr "$MLXOCR"
