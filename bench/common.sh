# bench/common.sh — the settings the benchmark scripts share (run.sh, int8_avx2.sh,
# int8_paths.sh source it from the repository root; it is not run on its own). Each can be set in
# the environment: ARCHS, ROUNDS, THREADS, NEW_TOKENS, MLXOCR, BENCH_WORK, REFERENCE_PYTHON.
# `bench_needs NAME mlxocr|reference|openblas...` stops the script NAME with one line when a
# tool it needs is missing.

ARCHS=${ARCHS:-"trocr-small trocr-base"}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-$(nproc)}
NEW_TOKENS=${NEW_TOKENS:-32}
MLXOCR=${MLXOCR:-build/mlxocr}
WORK=${BENCH_WORK:-bench/work}
PY=${REFERENCE_PYTHON:-tools/reference/.venv/bin/python}

bench_needs() {
  local script=$1 need
  shift
  for need in "$@"; do
    case $need in
      mlxocr) [ -x "$MLXOCR" ] || { echo "$script: $MLXOCR is missing (./dev.sh build)" >&2; exit 1; } ;;
      reference) [ -x "$PY" ] || {
        echo "$script: no reference venv at $PY (tools/reference/setup.sh makes it; or set REFERENCE_PYTHON)" >&2
        exit 1
      } ;;
      openblas)
        OPENBLAS=${OPENBLAS:-/usr/lib/$(uname -m)-linux-gnu/openblas-pthread/libopenblas.so.0}
        [ -f "$OPENBLAS" ] || { echo "$script: no OpenBLAS at $OPENBLAS (set OPENBLAS)" >&2; exit 1; } ;;
    esac
  done
}

# The workload's inputs in $WORK, made once and reused: the line images and a random-weight model
# per arch of $ARCHS (drawn by transformers and saved, so every system loads the same file).
# `script` names the caller in the line said when the reference venv is needed and missing.
bench_make_inputs() {
  local script=$1 arch
  mkdir -p "$WORK/models"
  [ -d "$WORK/lines" ] || { bench_needs "$script" reference && "$PY" bench/torch_bench.py lines --out "$WORK/lines"; }
  for arch in $ARCHS; do
    [ -f "$WORK/models/$arch/model.safetensors" ] || {
      bench_needs "$script" reference
      "$PY" bench/torch_bench.py make-model --config "bench/configs/$arch.json" --seed 0 \
        --out "$WORK/models/$arch"
    }
  done
}

# ours_int8 NAME ARCH CORETYPE INT8_PATH [mlxocr bench flags]: one `mlxocr bench` process on ARCH's
# model (its file read once beforehand, so no run pays the disk), OpenBLAS preloaded and held to
# CORETYPE's kernels when one is given, MLXOCR_INT8_PATH=INT8_PATH. Reads the caller's `flags`
# (array), `runs`, `round` and `OUT`; writes $OUT/ARCH.NAME.ROUND.json.
ours_int8() {
  local name=$1 arch=$2 core=$3 path=$4
  shift 4
  cat "$WORK/models/$arch"/*.safetensors >/dev/null
  env ${core:+OPENBLAS_CORETYPE=$core} MLXOCR_INT8_PATH="$path" LD_PRELOAD="$OPENBLAS" \
    OPENBLAS_NUM_THREADS="$THREADS" "$MLXOCR" bench --model "$WORK/models/$arch" "${flags[@]}" \
    --runs "$runs" "$@" --json "$OUT/$arch.$name.$round.json" >/dev/null
}
