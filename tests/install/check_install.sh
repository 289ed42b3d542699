#!/usr/bin/env bash
# check_install.sh CMAKE BUILD_DIR SOURCE_DIR: the package as a user gets it (docs/api.md).
# Installs BUILD_DIR into a temporary prefix (no rebuild), checks the layout and that the public
# headers include nothing but each other and the standard library, builds tests/install/consumer
# against it with find_package(mlxocr), and has that program and the installed CLI read a line
# with the bundled model, from a folder outside both trees and with MLXOCR_DEFAULT_MODEL unset:
# the text must be the line's truth (tests/fixtures/heldout_lines/metadata.csv), and the CLI must
# name the installed model as its default.
set -euo pipefail
cmake=$1 build=$2 src=$3
fail() { echo "check_install: $*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mlxocr-install-XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
"$cmake" --install "$build" --prefix "$prefix" >/dev/null

for f in lib/libmlxocr.so include/mlxocr/recognizer.h include/mlxocr/model.h include/mlxocr/train.h \
  include/mlxocr/evaluate.h include/mlxocr/convert.h \
  include/mlxocr/pipeline.h bin/mlxocr share/mlxocr/models/mlxocr-fields-tiny/config.json \
  lib/cmake/mlxocr/mlxocrConfig.cmake lib/cmake/mlxocr/mlxocrConfigVersion.cmake; do
  [ -e "$prefix/$f" ] || fail "$f is not installed"
done
if leaks=$(grep -h '^#include' "$prefix"/include/mlxocr/*.h | grep -v -E '^#include (<[a-z_]+>|"mlxocr/[a-z_]+\.h")$'); then
  fail "a public header includes something outside include/mlxocr and the standard library: $leaks"
fi
if readelf -d "$prefix/bin/mlxocr" "$prefix/lib/libmlxocr.so" | grep -E 'R(UN)?PATH' | grep -qF "$build"; then
  fail "an installed binary's RPATH points into the build folder $build"
fi

# The line: 000203.png of the held-out set, as the 8-bit gray PGM tests/install/line.pgm.
image=$src/tests/fixtures/heldout_lines/images/000203.png
truth=$(grep -m1 '^images/000203.png,' "$src/tests/fixtures/heldout_lines/metadata.csv" | cut -d, -f2)
[ -n "$truth" ] || fail "no truth for 000203.png"

cp -r "$src/tests/install/consumer" "$work/consumer"
"$cmake" -S "$work/consumer" -B "$work/consumer/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; fail "find_package(mlxocr) failed"; }
"$cmake" --build "$work/consumer/build" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "the consumer did not build"; }

cd "$work"
read=$(env -u MLXOCR_DEFAULT_MODEL "$work/consumer/build/read_line" "$src/tests/install/line.pgm")
[ "$read" = "$truth" ] || fail "the consumer read '$read', the truth is '$truth'"
cli=$(env -u MLXOCR_DEFAULT_MODEL "$prefix/bin/mlxocr" recognize "$image")
[ "$cli" = "$truth" ] || fail "the installed CLI read '$cli', the truth is '$truth'"
env -u MLXOCR_DEFAULT_MODEL "$prefix/bin/mlxocr" recognize --help |
  tr -s ' \n' ' ' | grep -qF "$prefix/share/mlxocr/models/mlxocr-fields-tiny" ||
  fail "the installed CLI's default model is not $prefix/share/mlxocr/models/mlxocr-fields-tiny"
echo "check_install: installed, consumed, read '$truth' in memory and with the installed CLI"
