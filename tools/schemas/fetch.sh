#!/usr/bin/env bash
# Fetches the official ALTO v4 and PAGE 2019 XML schemas from PyPI packages that ship them and
# places them under tests/fixtures/schemas/ (committed; the tests never fetch anything).
#   htrflow 0.2.6 (EUPL 1.2; Riksarkivet):  alto-4-4.xsd (ALTO 4.4, CC BY-SA 4.0, Library of
#                                           Congress) and pagecontent.xsd (PAGE 2019-07-15, PRImA)
#   ocrd 3.13.3 (Apache 2.0; OCR-D):        xlink.xsd, which alto-4-4.xsd imports from the web
# The wheels are pinned by version and sha256; xmllint resolves ALTO's xlink import offline
# through tests/fixtures/schemas/catalog.xml.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/fixtures/schemas
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {  # package==version sha256
  python3 -m pip download -q --no-deps --only-binary :all: "$1" -d "$tmp"
  local wheel
  wheel=$(ls "$tmp"/"$(echo "${1%%==*}" | tr - _)"-*.whl)
  echo "$2  $wheel" | sha256sum -c --quiet
  echo "$wheel"
}
htrflow=$(fetch htrflow==0.2.6 49755e919c6acb3faf56ba225582a932ab8bff1d9d627fc7ded75bc55e84f51c)
ocrd=$(fetch ocrd==3.13.3 77a688e6e018384e75bd72db9011061879425514fe5206fe858cdf1abec9380d)
mkdir -p "$out"
unzip -p "$htrflow" htrflow/serialization/schemas/alto-4-4.xsd > "$out/alto-4-4.xsd"
unzip -p "$htrflow" htrflow/serialization/schemas/pagecontent.xsd > "$out/pagecontent-2019-07-15.xsd"
unzip -p "$ocrd" ocrd_validators/xlink.xsd > "$out/xlink.xsd"
sha256sum "$out"/*.xsd
