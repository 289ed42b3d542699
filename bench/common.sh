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
