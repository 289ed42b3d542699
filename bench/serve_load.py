#!/usr/bin/env python3
"""Load test of `mlxocr serve` (bench/SERVE.md): N clients send form scans for a fixed time.

Each client posts files in turn (multipart, format=json) as fast as answers come back; every
answer is checked against the expected JSON for its file (`mlxocr ocr --format json` of that
file, given with --expect FILE=JSON), texts exactly and confidences to 1e-5, so that a lost or
mixed-up answer counts as an error. Prints one JSON line per client count: requests/s,
regions/s, p50/p95/p99 latency, the same per file (`per_file`: small requests mixed with large
ones have their own latencies), errors by kind, and the server's RSS before and after.
--field KEY=VALUE adds a request option to every upload (e.g. mode=page, layout=simple).

    bench/serve_load.py --url http://127.0.0.1:8080 --template form --clients 1 8 32 \\
        --seconds 30 --pid $(pgrep -n mlxocr) --expect scan.png=scan.json ...
Standard library only.
"""
import argparse
import json
import threading
import time
import urllib.error
import urllib.request
import uuid


def multipart(fields, name, data):
    boundary = uuid.uuid4().hex
    body = b""
    for key, value in fields.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n"
                 f"{value}\r\n").encode()
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
             f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) <= 1e-5 * max(1.0, abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def first_difference(a, b, path="$"):
    """Where two answers first differ (a JSON path and both values), for the mismatch log."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in b:
            if not same(a[k], b[k]):
                return first_difference(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            if not same(x, y):
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {a!r} != {b!r}"


def rss_mib(pid):
    if not pid:
        return None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def client(args, files, stop, results, index):
    i = index
    while not stop.is_set():
        name, data, expected = files[i % len(files)]
        i += 1
        fields = {"format": "json"}
        if args.template:
            fields["template"] = args.template
        fields.update(item.split("=", 1) for item in args.field)
        body, ctype = multipart(fields, name, data)
        req = urllib.request.Request(args.url + "/v1/ocr", data=body,
                                     headers={"Content-Type": ctype})
        start = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=300) as res:
                answer = json.load(res)
            latency = time.monotonic() - start
            answer.pop("image", None)
            if expected is not None and not same(answer, expected):
                results.append(("mismatch", latency, 0, name))
                print(f"mismatch in {name}: {first_difference(answer, expected)}", flush=True)
            else:
                results.append(("ok", latency, len(answer.get("fields", [])), name))
        except urllib.error.HTTPError as e:
            results.append((f"http {e.code}", time.monotonic() - start, 0, name))
            if e.code == 503:
                time.sleep(float(e.headers.get("Retry-After", "1")))
        except OSError as e:
            results.append((f"connection: {type(e).__name__}", time.monotonic() - start, 0, name))


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def per_file(ok):
    """Requests, p50 and p95 latency of each file's answers."""
    files = {}
    for _, latency, _, name in ok:
        files.setdefault(name, []).append(latency)
    return {name: {"requests": len(v), "p50_s": percentile(v, 50), "p95_s": percentile(v, 95)}
            for name, v in files.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--template", default="")
    parser.add_argument("--field", nargs="*", default=[], metavar="KEY=VALUE",
                        help="a request option for every upload (mode=page, layout=simple, ...)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--pid", type=int, default=0, help="the server's pid, for its RSS")
    parser.add_argument("--expect", nargs="+", required=True, metavar="FILE=JSON")
    args = parser.parse_args()
    files = []
    for item in args.expect:
        path, expected = item.split("=", 1)
        with open(path, "rb") as f:
            data = f.read()
        with open(expected) as f:
            answer = json.load(f)
        answer.pop("image", None)
        files.append((path.rsplit("/", 1)[-1], data, answer))
    for n in args.clients:
        stop, results = threading.Event(), []
        rss_before = rss_mib(args.pid)
        threads = [threading.Thread(target=client, args=(args, files, stop, results, i))
                   for i in range(n)]
        start = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        ok = [r for r in results if r[0] == "ok"]
        errors = {}
        for kind, _, _, _ in results:
            if kind != "ok":
                errors[kind] = errors.get(kind, 0) + 1
        print(json.dumps({
            "clients": n, "seconds": round(elapsed, 1), "requests": len(ok),
            "requests_per_s": round(len(ok) / elapsed, 2),
            "regions_per_s": round(sum(r[2] for r in ok) / elapsed, 1),
            "p50_s": percentile([r[1] for r in ok], 50), "p95_s": percentile([r[1] for r in ok], 95),
            "p99_s": percentile([r[1] for r in ok], 99), "per_file": per_file(ok),
            "errors": errors, "rss_mib_before": rss_before, "rss_mib_after": rss_mib(args.pid)}),
            flush=True)


if __name__ == "__main__":
    main()
