#!/usr/bin/env bash
# dev.sh — set-up, build and the two jobs of the README, idempotent on a fresh machine.
#
#   ./dev.sh demo    set up, build, run the main job on the bundled default
#   ./dev.sh test    set up, build, check formatting, run the whole test suite
#   ./dev.sh build   set up and build only
#
# Set-up: Debian packages (apt-get, only those missing), a project-local venv (.venv) holding the
# pinned MLX wheel whose C++ library and CMake package we build against, then CMake + make -j2.
# Environment: MLXOCR_MLX_EXTRA=cpu|cuda12 picks the MLX wheel flavour on Linux (default cpu);
# BUILD_DIR overrides the build folder (default build).
set -euo pipefail
cd "$(dirname "$0")"

MLX_VERSION=0.32.4
MLX_EXTRA=${MLXOCR_MLX_EXTRA:-cpu}
BUILD_DIR=${BUILD_DIR:-build}
# libopenblas0-pthread: MLX's CPU backend calls sgemm_ from whatever libblas.so.3 the system
# resolves (MLX's CMake package links BLAS). Debian's default is the reference BLAS, a plain loop
# nest 10-50x slower than OpenBLAS; installed, OpenBLAS becomes libblas.so.3 (alternatives).
APT_PACKAGES=(build-essential cmake pkg-config python3 python3-venv clang-format
  libopencv-dev nlohmann-json3-dev libcli11-dev libcurl4-openssl-dev libsentencepiece-dev
  libgtest-dev libopenblas0-pthread)

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
}

build() {
  install_system_packages
  setup_venv
  local mlx_root
  mlx_root=$(.venv/bin/python -m mlx --cmake-dir)
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    say "configuring $BUILD_DIR (MLX from $mlx_root)"
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DMLX_ROOT="$mlx_root" >/dev/null
  fi
  say "building (make -j2)"
  cmake --build "$BUILD_DIR" -j2
}

check_format() {
  local files
  files=$(git ls-files 'src/*.cpp' 'src/*.h' 'include/*.h' 'tests/*.cpp' 'tests/*.h' 2>/dev/null || true)
  [ -n "$files" ] || return 0
  say "checking formatting (clang-format)"
  # shellcheck disable=SC2086
  clang-format --dry-run --Werror $files
}

case "${1:-}" in
  build) build ;;
  test)
    build
    check_format
    say "running the test suite"
    cd "$BUILD_DIR" && ctest --output-on-failure -j2 --timeout 600
    ;;
  demo)
    build
    shift
    exec scripts/demo.sh "$BUILD_DIR/mlxocr" "$@"
    ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
