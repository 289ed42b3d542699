#!/bin/bash
# bench/SERVE.md, "Each request answered when its own regions are read": one burst per
# (client count, server), the servers alternated (before, after), on page-mode requests mixing
# one-line images with a 6-line page. usage: bench/serve_early.sh SECONDS CLIENTS...
set -u
cd "$(dirname "$0")/.."
B=${SERVE_BENCH_DIR:-/tmp/serve_bench}  # mlxocr-before, mlxocr-after and the expected JSONs
MODEL=models/mlxocr-fields-tiny
SMALL=bench/real/lines/printed/uw3-test-010001.png
LARGE=bench/real/pages/phototest.tif
secs=$1; shift
port=18490
for n in "$@"; do
  for which in before after; do
    port=$((port+1))
    echo "== $which clients $n load: $(cut -d' ' -f1-3 /proc/loadavg)"
    $B/mlxocr-$which serve --port $port -m $MODEL --queue-size 128 --threads 128 --timeout 600 > $B/server-$which.log 2>&1 &
    pid=$!
    for i in $(seq 1 600); do curl -sf http://127.0.0.1:$port/health >/dev/null && break; sleep 0.2; done
    .venv/bin/python bench/serve_load.py --url http://127.0.0.1:$port \
      --field mode=page layout=simple max_new_tokens=16 --clients $n --seconds $secs --pid $pid \
      --expect $SMALL=$B/uw3-test-010001.png.t16.json $SMALL=$B/uw3-test-010001.png.t16.json \
               $SMALL=$B/uw3-test-010001.png.t16.json $LARGE=$B/phototest.tif.t16.json
    curl -s http://127.0.0.1:$port/metrics | grep -E "^mlxocr_(batches|regions)_total"
    kill $pid; wait $pid
    echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
