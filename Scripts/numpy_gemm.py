#!/usr/bin/env python3
"""Prints numpy's float32 matrix-multiply speed (GFLOP/s, median of runs) as the baseline
for the engine's GEMM benchmark at the same size.

Usage: numpy_gemm.py [M [N [K]]] [--runs R]   (default 1024 1024 1024, 7 runs)
Needs numpy: python3 -m venv .venv-bench && .venv-bench/bin/pip install numpy
"""
import argparse
import statistics
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="M N K (N and K default to M)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs after one warm-up")
    args = parser.parse_args()
    if len(args.sizes) > 3 or any(s <= 0 for s in args.sizes) or args.runs <= 0:
        parser.error("give up to three positive sizes M N K and a positive --runs")
    m = args.sizes[0] if args.sizes else 1024
    n = args.sizes[1] if len(args.sizes) > 1 else m
    k = args.sizes[2] if len(args.sizes) > 2 else m

    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up: thread pool start, page faults
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    gflops = 2.0 * m * n * k / median / 1e9
    print(f"numpy sgemm {m}x{n}x{k}: {gflops:.1f} GFLOP/s (median of {args.runs}, {median * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
