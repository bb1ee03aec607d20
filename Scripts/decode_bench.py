#!/usr/bin/env python3
"""Decode benchmark: pneumo's TurboJPEG pipeline against Pillow on the same files and cores.

Decodes every full-size original to SIDE x SIDE grayscale with both, alternating between
them so that load from other processes hits both alike, and reports the best wall-clock
rate of each and the CPU time per image (robust to a busy machine). Pillow is measured as
plain decode + resize with BOX (area averaging, as pneumo does: the like-for-like baseline),
with its default resize filter (bicubic: what most code calls), and with Image.draft(), its
own DCT-scaled decode. Then times cold vs warm decoded-cache loads of a split and one epoch
of batches from it.
"""
import argparse
import json
import multiprocessing
import multiprocessing.pool
import os
import subprocess
import sys
import time

from PIL import Image


VARIANTS = {"pillow": "box", "pillow-bicubic": "default", "pillow+draft": "draft"}


def pillow_decode(task):
    path, side, variant = task
    with Image.open(path) as image:
        if variant == "draft":
            image.draft("L", (side, side))
        gray = image.convert("L")
        gray = gray.resize((side, side)) if variant == "default" else gray.resize((side, side), Image.Resampling.BOX)
        return len(gray.tobytes())


def pillow_rate(files, side, variant, processes, rounds, threads=False):
    """Best images/s over rounds, and least CPU ms per image (single worker only)."""
    tasks = [(path, side, variant) for path in files]
    best, least_cpu = 0.0, float("inf")
    pool = None
    if processes > 1:
        # Pillow releases the GIL while decoding and resizing, so threads are a fair option too.
        pool = multiprocessing.pool.ThreadPool(processes) if threads else multiprocessing.Pool(processes)
    try:
        for round_index in range(rounds + 1):
            started, cpu_started = time.perf_counter(), time.process_time()
            if pool:
                list(pool.imap_unordered(pillow_decode, tasks, chunksize=4))
            else:
                for task in tasks:
                    pillow_decode(task)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            if round_index > 0:  # round 0 warms the page cache and the workers
                best = max(best, len(files) / seconds)
                if not pool:
                    least_cpu = min(least_cpu, 1000 * cpu / len(files))
    finally:
        if pool:
            pool.close()
            pool.join()
    return best, (least_cpu if not pool else None)


def swift_measures(binary, arguments):
    output = subprocess.run([binary] + arguments, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the DecodeBench executable (release build)")
    parser.add_argument("--originals", required=True, help="folder of full-size JPEGs (searched recursively)")
    parser.add_argument("--split", help="folder of a split (e.g. chest_xray/train) for the cache timing")
    parser.add_argument("--side", type=int, default=224)
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the files per measurement")
    parser.add_argument("--alternations", type=int, default=2, help="times each side is measured, interleaved")
    args = parser.parse_args()

    files = sorted(os.path.join(root, name) for root, _, names in os.walk(args.originals)
                   for name in names if name.lower().endswith((".jpg", ".jpeg")))
    if not files:
        sys.exit(f"no JPEG files under {args.originals}")
    cores = os.cpu_count() or 1
    print(f"{len(files)} images from {args.originals} -> {args.side}x{args.side} gray; {cores} cores; "
          f"Pillow {Image.__version__}; best of {args.rounds} rounds x {args.alternations} alternations")

    results = {}
    def keep(key, rate, cpu=None):
        old_rate, old_cpu = results.get(key, (0.0, None))
        results[key] = (max(old_rate, rate), cpu if old_cpu is None else (old_cpu if cpu is None else min(old_cpu, cpu)))

    for _ in range(args.alternations):
        for measure in swift_measures(args.binary, ["--originals", args.originals, "--side", str(args.side),
                                                    "--rounds", str(args.rounds), "--threads", str(cores)]):
            keep(("pneumo", measure["threads"]), measure["images_per_second"], measure["cpu_ms_per_image"])
        for name, variant in VARIANTS.items():
            rate, cpu = pillow_rate(files, args.side, variant, 1, args.rounds)
            keep((name, 1), rate, cpu)
            if cores > 1:
                for threads in (False, True):  # the better of a process pool and a thread pool
                    rate, _ = pillow_rate(files, args.side, variant, cores, args.rounds, threads)
                    keep((name, cores), rate)

    print(f"\n{'pipeline':<16}{'workers':>8}{'images/s':>11}{'CPU ms/image':>14}{'vs Pillow BOX':>15}")
    for (name, workers), (rate, cpu) in sorted(results.items()):
        baseline = results[("pillow", workers)][0]
        cpu_text = f"{cpu:.2f}" if cpu is not None else "-"
        print(f"{name:<16}{workers:>8}{rate:>11.1f}{cpu_text:>14}{rate / baseline:>14.2f}x")
    ratio = results[("pneumo", cores)][0] / results[("pillow", cores)][0]
    cpu_ratio = results[("pillow", 1)][1] / results[("pneumo", 1)][1]
    bicubic_ratio = results[("pneumo", cores)][0] / results[("pillow-bicubic", cores)][0]
    draft_ratio = results[("pneumo", cores)][0] / results[("pillow+draft", cores)][0]
    print(f"\npneumo vs Pillow decode + BOX resize on {cores} cores: {ratio:.2f}x images/s "
          f"(CPU time per image: {cpu_ratio:.2f}x less); vs default bicubic resize: {bicubic_ratio:.2f}x; "
          f"vs Pillow with draft(): {draft_ratio:.2f}x")

    if args.split:
        print(f"\ndecoded-image cache, {args.split}:")
        for measure in swift_measures(args.binary, ["--split", args.split, "--side", str(args.side),
                                                    "--threads", str(cores)]):
            print(f"  {measure['phase']}: load {measure['load_seconds']:.2f} s ({measure['images']} images, "
                  f"{measure['cache']}), epoch of {measure['epoch_batches']} batches {measure['epoch_batch_seconds']:.2f} s, "
                  f"total {measure['total_seconds']:.2f} s")


if __name__ == "__main__":
    main()
