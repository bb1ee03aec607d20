#!/usr/bin/env python3
"""Load test for `pneumo serve`, on loopback only, bounded in requests and time.

For each level of concurrency (default 1, 8 and 32 clients) it sends JPEG X-rays to
POST /api/v1/predict from that many threads, each on its own keep-alive connection, and
reports requests per second, p50/p99 latency and the share of errors (which must be 0).

    Scripts/serve_load_test.py --url http://127.0.0.1:8080 --requests 200 --seconds 60

Uses the Python standard library only. Exit status 1 when any request failed.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
DEFAULT_IMAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "chest_xray", "test")
MAX_REQUESTS = 10_000
MAX_SECONDS = 600


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="server base URL; loopback only")
    parser.add_argument("--images", default=DEFAULT_IMAGES, help="folder searched recursively for .jpeg/.jpg files")
    parser.add_argument("--max-images", type=int, default=64, help="distinct images kept in memory and cycled")
    parser.add_argument("--levels", default="1,8,32", help="comma-separated numbers of concurrent clients")
    parser.add_argument("--requests", type=int, default=200, help=f"requests per level (at most {MAX_REQUESTS})")
    parser.add_argument("--seconds", type=float, default=60, help=f"time limit per level (at most {MAX_SECONDS})")
    parser.add_argument("--heatmap", action="store_true", help="ask for heatmaps (?heatmap=1)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    arguments = parser.parse_args()
    if not 1 <= arguments.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be between 1 and {MAX_REQUESTS}")
    if not 0 < arguments.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be above 0 and at most {MAX_SECONDS}")
    try:
        arguments.levels = [int(level) for level in arguments.levels.split(",")]
    except ValueError:
        parser.error("--levels must be integers separated by commas, e.g. 1,8,32")
    if any(not 1 <= level <= 256 for level in arguments.levels):
        parser.error("each level must be between 1 and 256 clients")
    return arguments


def loopback_target(url):
    """Host and port of `url`, refusing anything but loopback: this tool must never load another machine."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "http" or parsed.hostname not in LOOPBACK_HOSTS:
        sys.exit(f"error: {url} is not a loopback http:// URL; this load test only talks to 127.0.0.1, ::1 or localhost.")
    return parsed.hostname, parsed.port or 80


def load_images(folder, limit):
    paths = []
    for root, _, names in os.walk(folder):
        paths.extend(os.path.join(root, name) for name in names if name.lower().endswith((".jpeg", ".jpg")))
    if not paths:
        sys.exit(f"error: no .jpeg or .jpg files under {folder}; pass --images.")
    images = []
    for path in sorted(paths)[:limit]:
        with open(path, "rb") as file:
            images.append(file.read())
    return images


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-fraction * len(sorted_values) // 1))))
    return sorted_values[rank - 1]


def run_level(host, port, path, images, clients, total, seconds):
    """Sends `total` requests from `clients` threads, stopping early at the time limit."""
    lock = threading.Lock()
    next_index = [0]
    latencies, errors = [], []
    deadline = time.monotonic() + seconds

    def take():
        with lock:
            if next_index[0] >= total or time.monotonic() >= deadline:
                return None
            next_index[0] += 1
            return next_index[0] - 1

    def client():
        connection = http.client.HTTPConnection(host, port, timeout=60)
        while (index := take()) is not None:
            body = images[index % len(images)]
            start = time.monotonic()
            try:
                connection.request("POST", path, body=body, headers={"Content-Type": "image/jpeg"})
                response = connection.getresponse()
                payload = response.read()
                elapsed = time.monotonic() - start
                ok = response.status == 200 and "class" in json.loads(payload)
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors.append(f"HTTP {response.status}: {payload[:200]!r}")
            except (OSError, http.client.HTTPException, ValueError) as error:
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
                with lock:
                    latencies.append(time.monotonic() - start)
                    errors.append(f"{type(error).__name__}: {error}")
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    latencies.sort()
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "error_share": len(errors) / len(latencies) if latencies else 0.0,
        "requests_per_second": len(latencies) / wall if wall > 0 else 0.0,
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "seconds": wall,
        "first_errors": errors[:3],
    }


def main():
    arguments = parse_arguments()
    host, port = loopback_target(arguments.url)
    try:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", "/api/v1/model")
        response = connection.getresponse()
        model = json.loads(response.read())
        connection.close()
    except (OSError, http.client.HTTPException, ValueError) as error:
        sys.exit(f"error: no pneumo server answers at {arguments.url} ({error}); start `pneumo serve` first.")
    images = load_images(arguments.images, arguments.max_images)
    path = "/api/v1/predict" + ("?heatmap=1" if arguments.heatmap else "")
    print(f"model {model.get('id')} version {model.get('version')}, batch limit "
          f"{model.get('limits', {}).get('max_batch_size')}, {len(images)} distinct images, "
          f"{arguments.requests} requests per level, at most {arguments.seconds:g} s per level")

    run_level(host, port, path, images, 1, min(3, arguments.requests), arguments.seconds)  # warm-up, not reported
    results = []
    print(f"{'clients':>7} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'error share':>11}")
    for clients in arguments.levels:
        result = run_level(host, port, path, images, clients, max(arguments.requests, clients), arguments.seconds)
        results.append(result)
        print(f"{clients:>7} {result['requests']:>8} {result['requests_per_second']:>8.1f} {result['p50_ms']:>8.1f} "
              f"{result['p99_ms']:>8.1f} {result['errors']:>7} {result['error_share']:>11.2%}")
        for error in result["first_errors"]:
            print(f"        e.g. {error}")
    if arguments.json:
        temporary = arguments.json + ".tmp"
        with open(temporary, "w") as file:
            json.dump({"url": arguments.url, "model": model, "heatmap": arguments.heatmap, "levels": results}, file, indent=2)
        os.replace(temporary, arguments.json)
    return 1 if any(result["errors"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
