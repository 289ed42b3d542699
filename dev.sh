#!/usr/bin/env bash
# dev.sh — set-up, build and the two jobs of the README, idempotent on a fresh machine.
#
#   ./dev.sh demo    set up, build, run the main job on the bundled default
#   ./dev.sh test    set up, build, check formatting, run the whole test suite, then the
#                    numerical tests under another OpenBLAS kernel family and under MLX's own ops,
#                    then the suite again built with ASan + UBSan (clang), and fuzz each parser 5 s
#   ./dev.sh build   set up and build only
#   ./dev.sh fuzz [SECONDS]   run every libFuzzer target for SECONDS each (default 60)
#   ./dev.sh sanitize         the ASan+UBSan build and its test suite only
#
# Set-up: Debian packages (apt-get, only those missing), a project-local venv (.venv) holding the
# pinned MLX wheel whose C++ library and CMake package we build against, then CMake + make -j2.
# Environment: MLXOCR_MLX_EXTRA=cpu|cuda12 picks the MLX wheel flavour on Linux (default cpu);
# BUILD_DIR overrides the build folder (default build), FUZZ_BUILD_DIR the clang ASan+UBSan+libFuzzer
# one (default build-fuzz); FUZZ_OUT where fuzzing keeps its grown corpora and crash inputs
# (default /tmp/mlxocr-fuzz, outside the tree); MLXOCR_TEST_FUZZ_SECONDS the seconds per target
# `test` fuzzes (default 5). Compiles go through ccache, cache in .cache/ccache (CCACHE_DIR
# overrides), so that the Python wheel test's build reuses the main build's objects.
set -euo pipefail
cd "$(dirname "$0")"

MLX_VERSION=0.32.4
MLX_EXTRA=${MLXOCR_MLX_EXTRA:-cpu}
BUILD_DIR=${BUILD_DIR:-build}
FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
FUZZ_OUT=${FUZZ_OUT:-/tmp/mlxocr-fuzz}
# libopenblas0-pthread: MLX's CPU backend calls sgemm_ from whatever libblas.so.3 the system
# resolves (MLX's CMake package links BLAS). Debian's default is the reference BLAS, a plain loop
# nest 10-50x slower than OpenBLAS; installed, OpenBLAS becomes libblas.so.3 (alternatives).
# zlib1g-dev: the searchable PDF's Flate streams; poppler-utils: pdftotext/pdfinfo check them in
# the tests. libcpp-httplib-dev: mlxocr serve's HTTP server and its tests' client (maintained,
# thread pool, multipart parsing, pre-routing hooks to refuse a body before reading it; Debian
# ships it compiled, with OpenSSL, zlib and brotli headers as its dependencies). chromium and
# chromium-driver: the review page's browser test (headless, driven by selenium from .venv).
APT_PACKAGES=(build-essential cmake pkg-config python3 python3-venv clang-format
  libopencv-dev nlohmann-json3-dev libcli11-dev libcurl4-openssl-dev libsentencepiece-dev
  libgtest-dev libopenblas0-pthread clang-14 libclang-rt-14-dev
  libtesseract-dev libleptonica-dev tesseract-ocr-osd libpoppler-cpp-dev libtiff-dev libxml2-utils
  zlib1g-dev poppler-utils fonts-dejavu-core libcpp-httplib-dev
  chromium chromium-driver python3-dev ccache)
# python3-dev: Python.h for the Python module (python/); ccache: the wheel test's build reuses the
# objects of the main build (cache in .cache/ccache unless CCACHE_DIR is set).

say() { printf '\033[1m[dev.sh]\033[0m %s\n' "$*" >&2; }

install_system_packages() {
  [ "$(uname -s)" = Linux ] || return 0  # macOS: see README "Building on macOS".
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_venv() {
  local py=.venv/bin/python
  if [ ! -x "$py" ]; then
    say "creating .venv"
    python3 -m venv .venv
  fi
  local spec="mlx==$MLX_VERSION"
  [ "$(uname -s)" = Linux ] && spec="mlx[$MLX_EXTRA]==$MLX_VERSION"
  if ! "$py" -c "import mlx.core as mx, sys; sys.exit(mx.__version__ != '$MLX_VERSION')" 2>/dev/null ||
    { [ "$(uname -s)" = Linux ] && ! "$py" -m pip show -q "mlx-$MLX_EXTRA" >/dev/null 2>&1; }; then
    say "installing $spec into .venv"
    "$py" -m pip install -q --disable-pip-version-check "$spec"
  fi
  # The test tools the venv needs (pinned): selenium for the review page's browser test.
  if "$py" -m pip install --disable-pip-version-check --dry-run -r tests/serve/requirements.txt 2>&1 |
    grep -q "Would install"; then
    say "installing tests/serve/requirements.txt into .venv"
    "$py" -m pip install -q --disable-pip-version-check -r tests/serve/requirements.txt
  fi
  # The Python package's build and test tools (python/requirements-dev.txt, pinned).
  if ! cmp -s python/requirements-dev.txt .venv/.requirements-dev.txt; then
    say "installing python/requirements-dev.txt into .venv"
    "$py" -m pip install -q --disable-pip-version-check -r python/requirements-dev.txt
    cp python/requirements-dev.txt .venv/.requirements-dev.txt
  fi
  # Ray Data for mlxocr.ray's test (python/requirements-ray.txt, pinned).
  if ! cmp -s python/requirements-ray.txt .venv/.requirements-ray.txt; then
    say "installing python/requirements-ray.txt into .venv"
    "$py" -m pip install -q --disable-pip-version-check -r python/requirements-ray.txt
    cp python/requirements-ray.txt .venv/.requirements-ray.txt
  fi
}

# ccache for every compile, the wheel test's included: objects compiled with the same flags at the
# same depth below the project are reused whatever the folder (paths relative to CCACHE_BASEDIR);
# the precompiled headers need the two sloppiness settings to be cached at all.
use_ccache() {
  command -v ccache >/dev/null || return 0
  export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
  export CMAKE_C_COMPILER_LAUNCHER=${CMAKE_C_COMPILER_LAUNCHER:-ccache}
  export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
}

build() {
  install_system_packages
  setup_venv
  local mlx_root
  mlx_root=$(.venv/bin/python -m mlx --cmake-dir)
  use_ccache
  # MLXOCR_PYTHON: the Python module too (build/python/mlxocr), for tests/python.
  if ! grep -qs '^MLXOCR_PYTHON:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
    say "configuring $BUILD_DIR (MLX from $mlx_root)"
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DMLX_ROOT="$mlx_root" \
      -DMLXOCR_PYTHON=ON -DPython_EXECUTABLE="$PWD/.venv/bin/python" >/dev/null
  fi
  say "building (make -j2)"
  cmake --build "$BUILD_DIR" -j2
}

# The sanitized build (docs/security.md): clang 14, our code with ASan + UBSan and libFuzzer's
# coverage instrumentation, at -O1 with line tables only (about half the compile time of -O2 -g,
# and still exact stack traces), the test suite and the fuzz targets from one set of objects.
build_sanitized() {
  install_system_packages
  setup_venv
  local mlx_root
  mlx_root=$(.venv/bin/python -m mlx --cmake-dir)
  if [ ! -f "$FUZZ_BUILD_DIR/CMakeCache.txt" ]; then
    say "configuring $FUZZ_BUILD_DIR (clang, ASan + UBSan + libFuzzer)"
    cmake -S . -B "$FUZZ_BUILD_DIR" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DMLXOCR_FUZZ=ON \
      -DMLX_ROOT="$mlx_root" >/dev/null
  fi
  say "building $FUZZ_BUILD_DIR (make -j2${1:+, $1 only})"
  cmake --build "$FUZZ_BUILD_DIR" -j2 ${1:+--target "$1"}
}

# Runtime settings of the sanitized runs: stop at the first report, leaks included (narrow
# suppressions for the uninstrumented libraries in fuzz/lsan.supp, each explained there).
sanitizer_env() {
  export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=0
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0"
}

run_sanitized_suite() {
  sanitizer_env
  say "running the test suite under ASan + UBSan"
  (cd "$FUZZ_BUILD_DIR" && ctest --output-on-failure -j2 --timeout 600)
}

# Runs each fuzz target for $1 seconds on a working copy of its seed corpus under $FUZZ_OUT
# (new inputs are kept there, never in the tree); crash, leak, timeout and out-of-memory inputs
# go to $FUZZ_OUT/<target>/findings/. Returns non-zero when any target found something, and
# prints those targets' names on stdout.
run_fuzzers() {
  local seconds=$1 findings=()
  sanitizer_env
  for src in fuzz/*.cpp; do
    local name
    name=$(basename "$src" .cpp)
    local work="$FUZZ_OUT/$name"
    mkdir -p "$work/corpus" "$work/findings"
    cp -n fuzz/corpus/"$name"/* "$work/corpus/" 2>/dev/null || true
    local dict=()
    [ -f "fuzz/dict/$name.dict" ] && dict=("-dict=fuzz/dict/$name.dict")
    say "fuzzing $name for ${seconds}s (corpus $work/corpus)"
    if ! "$FUZZ_BUILD_DIR/fuzz/fuzz_$name" "$work/corpus" "${dict[@]}" -max_total_time="$seconds" \
      -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$work/findings/" >"$work/log.txt" 2>&1; then
      findings+=("$name")
      say "fuzz_$name FOUND A PROBLEM: $(grep -m1 -E '^==[0-9]+==ERROR|runtime error|deadly signal|Test unit written' "$work/log.txt" || true)"
      say "  log $work/log.txt; inputs: $(find "$work/findings" -type f -printf '%f ')"
    else
      say "  $(grep -E '^stat::number_of_executed_units' "$work/log.txt" | awk '{print $2}') runs, no findings"
    fi
  done
  [ ${#findings[@]} -eq 0 ] || { say "fuzz findings in: ${findings[*]}"; echo "${findings[*]}"; return 1; }
}

check_format() {
  local files
  files=$(git ls-files 'src/*.cpp' 'src/*.h' 'include/*.h' 'tests/*.cpp' 'tests/*.h' 'fuzz/*.cpp' \
    'fuzz/*.h' \
    'python/src/*.cpp' 'python/src/*.h' 2>/dev/null || true)
  [ -n "$files" ] || return 0
  say "checking formatting (clang-format)"
  # shellcheck disable=SC2086
  clang-format --dry-run --Werror $files
}

# The numerical tests: those comparing float results against a reference or another summation
# order (gtest suites, as ctest names them), and among them the tests of our CPU kernels
# themselves, which have nothing to test with the kernels switched off. Kept here, in one place.
KERNEL_TESTS='^(CpuKernels|CpuLayerKernels|CpuDecodingKernels|FusedDecoderStep)\.'
NUMERICAL_TESTS='^(Variants/)?(CpuKernels|CpuLayerKernels|CpuDecodingKernels|FusedDecoderStep|BlasThreads|RowPacking|ParityTest|PackedDecoderTest|GenerationParityTest|GreedyTest|SamplingTest|ConvertAccuracy|ConvertAccuracyTest|TrainingParityTest|AdamWParity|TrainingStepsParity|CpuAdamW|Ctc|RecognizerTest)\.'

# An OpenBLAS kernel family this CPU would not pick (OpenBLAS's own names): AVX2 kernels on an
# AVX-512 CPU, AVX ones on an AVX2 CPU, SSE3 ones on older x86, the generic ARMv8 ones on ARM; not
# the one OPENBLAS_CORETYPE already forces.
other_blas_family() {
  local flags family
  flags=" $(grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
  case "$(uname -m)" in
    aarch64 | arm64) family=ARMV8 ;;
    *) case "$flags" in
      *" avx512f "*) family=Haswell ;;
      *" avx2 "*) family=SandyBridge ;;
      *) family=Prescott ;;
    esac ;;
  esac
  if [ "$(echo "${OPENBLAS_CORETYPE:-}" | tr '[:upper:]' '[:lower:]')" = "$(echo "$family" | tr '[:upper:]' '[:lower:]')" ]; then
    family=$([ "$family" = SandyBridge ] && echo Prescott || echo SandyBridge)
  fi
  echo "$family"
}

# ctest in the build folder: only the tests matching $1 and not $2 where they are not empty, with
# env's arguments after them (variables to set, or -u to unset one). The output goes to stderr;
# stdout gets "FAILED TOTAL" from ctest's summary line, nothing when there is none.
ctest_pass() {
  local dir=$1 filter=$2 exclude=$3 log counts
  shift 3
  local args=(--output-on-failure -j2 --timeout 600)
  [ -z "$filter" ] || args+=(-R "$filter")
  [ -z "$exclude" ] || args+=(-E "$exclude")
  log=$(mktemp)
  (cd "$dir" && env "$@" ctest "${args[@]}") 2>&1 | tee "$log" >&2 || true
  counts=$(sed -n 's/.* \([0-9][0-9]*\) tests* failed out of \([0-9][0-9]*\).*/\1 \2/p' "$log")
  rm -f "$log"
  echo "$counts" | tail -1
}

# The whole suite as the environment has it, then the numerical tests twice more, so that a test
# whose tolerance holds on this CPU only fails here and not on a user's machine (ENGINEERING.md
# §8): with OpenBLAS forced to another kernel family (our kernels on 3 threads: another split of
# their sums too), and with MLX's own CPU ops in place of our kernels on the CPU's own family;
# then the whole suite once more built with ASan + UBSan, and each fuzz target for a few seconds
# (docs/security.md). Every pass runs even when an earlier one failed; the last line counts them
# all ("dev.sh: N passed, N failed"), each fuzz target one test.
run_tests() {
  local family counts passed=0 failed=0 broken=0
  family=$(other_blas_family)
  local passes=("running the test suite"
    "numerical tests again: OpenBLAS's $family kernels, our kernels on 3 threads"
    "numerical tests again: MLX's own CPU ops in place of our kernels (their own tests left out)"
    "the test suite again under ASan + UBSan ($FUZZ_BUILD_DIR)")
  for i in 0 1 2 3; do
    say "${passes[$i]}"
    case $i in
      0) counts=$(ctest_pass "$BUILD_DIR" "" "") ;;
      1) counts=$(ctest_pass "$BUILD_DIR" "$NUMERICAL_TESTS" "" OPENBLAS_CORETYPE="$family" MLXOCR_THREADS=3) ;;
      2) counts=$(ctest_pass "$BUILD_DIR" "$NUMERICAL_TESTS" "$KERNEL_TESTS" -u OPENBLAS_CORETYPE \
        MLXOCR_CPU_KERNELS=0 MLXOCR_FUSED_STEP=0 MLXOCR_PACK_ROWS=0 MLXOCR_TRAIN_OWN_THREADS=0) ;;
      3) counts=$(sanitizer_env && ctest_pass "$FUZZ_BUILD_DIR" "" "") ;;
    esac
    if [ -z "$counts" ]; then
      say "no ctest summary from this pass: no test matched, or ctest failed"
      broken=1
      continue
    fi
    failed=$((failed + ${counts% *}))
    passed=$((passed + ${counts#* } - ${counts% *}))
  done
  local targets found
  targets=$(find fuzz -maxdepth 1 -name '*.cpp' | wc -l)
  found=$( (run_fuzzers "${MLXOCR_TEST_FUZZ_SECONDS:-5}" || true) | wc -w)
  failed=$((failed + found))
  passed=$((passed + targets - found))
  echo "dev.sh: $passed passed, $failed failed"
  [ "$broken" -eq 0 ] && [ "$failed" -eq 0 ]
}

case "${1:-}" in
  build) build ;;
  test)
    build
    check_format
    build_sanitized
    run_tests
    ;;
  sanitize)
    build_sanitized
    run_sanitized_suite
    ;;
  fuzz)
    [[ "${2:-60}" =~ ^[1-9][0-9]*$ ]] || { say "fuzz: SECONDS must be a positive integer, got '$2'"; exit 2; }
    build_sanitized fuzz_targets
    run_fuzzers "${2:-60}"
    ;;
  demo)
    build
    shift
    exec scripts/demo.sh "$BUILD_DIR/mlxocr" "$@"
    ;;
  *)
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
