#!/usr/bin/env python3
"""Peer benchmark: trains the same networks with PyTorch and Keras/TensorFlow on the CPU
(same threads, batch, input size and optimizer, random data of the right shape) and, with
--pneumo, with our own binary in the same run; prints images/s and ratios.

Each framework runs in its own process so thread pools do not interfere. Run
Scripts/peers/setup.sh once first, then:

    .venv-peers/bin/python Scripts/peers/bench.py
    .venv-peers/bin/python Scripts/peers/bench.py --arch seed-cnn-tuned --pneumo 'CMD'

--pneumo takes a shell command template; {arch} {batch} {threads} {warmup} {windows} {steps}
are filled in ({arch} with the name pneumo knows the network by). The command must print
one line `images_per_second=<number>` per timed window; the median is reported. It may also
print `cpu_images_per_second=<number>` per window and `parameters=<count>`. `--pneumo auto`
runs the release binary (swift build -c release --product pneumo) on the OpenCL CPU device:

    .venv-peers/bin/python Scripts/peers/bench.py --pneumo auto
"""

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from architectures import ARCHITECTURES, architecture  # noqa: E402

RUNNERS = {
    "pytorch": ["torch_runner.py"],
    "pytorch-channels-last": ["torch_runner.py", "--channels-last"],
    "pytorch-compile": ["torch_runner.py", "--compile"],
    "keras": ["keras_runner.py"],
}
PNEUMO_RATE = re.compile(r"^images_per_second\s*=\s*([0-9.eE+-]+)\s*$", re.MULTILINE)
PNEUMO_CPU_RATE = re.compile(r"^cpu_images_per_second\s*=\s*([0-9.eE+-]+)\s*$", re.MULTILINE)
PNEUMO_PARAMETERS = re.compile(r"^parameters\s*=\s*([0-9]+)\s*$", re.MULTILINE)
PNEUMO_PEAK = re.compile(r"^peak_device_bytes\s*=\s*([0-9]+)\s*$", re.MULTILINE)
REPOSITORY = os.path.dirname(os.path.dirname(HERE))
PNEUMO_BINARY = os.path.join(REPOSITORY, ".build", "release", "pneumo")
# PoCL takes its thread count from POCL_MAX_PTHREAD_COUNT, which thread_environment sets.
PNEUMO_TEMPLATE = (shlex.quote(PNEUMO_BINARY) + " bench --rate-only --device cpu --models {arch} --batch {batch}"
                   " --warmup {warmup} --windows {windows} --steps {steps}")


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", default=",".join(ARCHITECTURES), help="comma-separated: " + ", ".join(ARCHITECTURES))
    parser.add_argument("--frameworks", default="pytorch,keras", help="comma-separated: " + ", ".join(RUNNERS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=None, help="default: each architecture's own")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--windows", type=int, default=5, help="timed windows; medians are reported")
    parser.add_argument("--steps", type=int, default=5, help="training steps per timed window")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed for each run")
    parser.add_argument("--pneumo", metavar="CMD", default=None,
                        help="our binary's benchmark command template, or 'auto' for the release build")
    parser.add_argument("--json", metavar="FILE", default=None, help="also write all results to FILE")
    return parser.parse_args()


def thread_environment(threads):
    environment = dict(os.environ)
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "POCL_MAX_PTHREAD_COUNT"):
        environment[variable] = str(threads)
    return environment


def run_peer(framework, arch, args):
    """Runs one framework's runner; returns its result dict, or None after saying why."""
    command = [sys.executable, os.path.join(HERE, RUNNERS[framework][0]), *RUNNERS[framework][1:],
               "--arch", arch.name, "--threads", str(args.threads), "--warmup", str(args.warmup),
               "--windows", str(args.windows), "--steps", str(args.steps)]
    if args.batch:
        command += ["--batch", str(args.batch)]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout,
                                  cwd=HERE, env=thread_environment(args.threads))
    except subprocess.TimeoutExpired:
        print(f"  {framework} {arch.name}: over the {args.timeout}s limit, skipped", file=sys.stderr)
        return None
    lines = finished.stdout.strip().splitlines()
    if finished.returncode != 0 or not lines:
        error = (finished.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  {framework} {arch.name}: failed (exit {finished.returncode}): {error}", file=sys.stderr)
        return None
    return json.loads(lines[-1])


def run_pneumo(template, arch, args):
    """Runs our binary's benchmark command; returns a result dict like a runner's, or None."""
    command = template.format(arch=arch.pneumo_name, batch=args.batch or arch.batch, threads=args.threads,
                              warmup=args.warmup, windows=args.windows, steps=args.steps)
    try:
        finished = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=args.timeout,
                                  env=thread_environment(args.threads))
    except subprocess.TimeoutExpired:
        print(f"  pneumo {arch.name}: over the {args.timeout}s limit, skipped", file=sys.stderr)
        return None
    rates = [float(value) for value in PNEUMO_RATE.findall(finished.stdout)]
    if finished.returncode != 0 or not rates:
        error = (finished.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  pneumo {arch.name}: exit {finished.returncode}, {len(rates)} 'images_per_second=' lines "
              f"from {shlex.quote(command)}: {error}", file=sys.stderr)
        return None
    cpu_rates = [float(value) for value in PNEUMO_CPU_RATE.findall(finished.stdout)]
    parameters = PNEUMO_PARAMETERS.findall(finished.stdout)
    peak = PNEUMO_PEAK.findall(finished.stdout)
    return {"framework": "pneumo", "arch": arch.name, "rates": rates, "median": statistics.median(rates),
            "cpu_rates": cpu_rates, "cpu_median": statistics.median(cpu_rates) if cpu_rates else None,
            "parameters": int(parameters[-1]) if parameters else None,
            "peak_bytes": int(peak[-1]) if peak else None}


def ratio(value, baseline):
    return f"{value / baseline:.2f}x" if value and baseline else "-"


def print_table(results):
    header = f"{'architecture':20s} {'framework':22s} {'images/s':>9s} {'min-max':>13s} {'img/CPU-s':>9s} " \
             f"{'vs pytorch':>10s} {'vs keras':>9s} {'vs pneumo':>9s} {'params':>10s} {'peak MiB':>9s}"
    print(header)
    print("-" * len(header))
    summaries = []
    for arch_name in dict.fromkeys(result["arch"] for result in results):
        rows = [result for result in results if result["arch"] == arch_name]
        baselines = {row["framework"]: row["median"] for row in rows}
        for row in rows:
            spread = f"{min(row['rates']):.1f}-{max(row['rates']):.1f}"
            cpu = f"{row['cpu_median']:.1f}" if row.get("cpu_median") else "-"
            versus = [ratio(row["median"], baselines.get(name)) for name in ("pytorch", "keras-tensorflow", "pneumo")]
            parameters = f"{row['parameters']:,}" if row.get("parameters") else "-"
            peak = f"{row['peak_bytes'] / 2**20:.0f}" if row.get("peak_bytes") else "-"
            print(f"{arch_name:20s} {row['framework']:22s} {row['median']:9.1f} {spread:>13s} {cpu:>9s} "
                  f"{versus[0]:>10s} {versus[1]:>9s} {versus[2]:>9s} {parameters:>10s} {peak:>9s}")
        ours = next((row for row in rows if row["framework"] == "pneumo"), None)
        peers = [row for row in rows if row["framework"] != "pneumo"]
        if ours and peers:
            best = max(peers, key=lambda row: row["median"])
            best_cpu = max((row.get("cpu_median") or 0 for row in peers), default=0)
            summaries.append(f"{arch_name}: pneumo {ratio(ours['median'], best['median'])} the faster peer "
                             f"({best['framework']}) in images/s, {ratio(ours.get('cpu_median'), best_cpu)} "
                             f"in images per CPU-second")
    for line in summaries:
        print(line)
    print("peak MiB: pneumo, the high-water mark of its device allocations in the training steps (pneumo bench); "
          "PyTorch on the CPU, the largest total of live tensors over one step in torch.profiler's memory timeline; "
          "Keras: not measured")


def main():
    args = parse_arguments()
    try:
        architectures = [architecture(name.strip()) for name in args.arch.split(",")]
    except ValueError as error:
        sys.exit(str(error))
    if args.pneumo == "auto":
        if not os.access(PNEUMO_BINARY, os.X_OK):
            sys.exit(f"no release binary at {PNEUMO_BINARY}: run `swift build -c release --product pneumo` first")
        args.pneumo = PNEUMO_TEMPLATE
    frameworks = [name.strip() for name in args.frameworks.split(",") if name.strip()]
    unknown = [name for name in frameworks if name not in RUNNERS]
    if unknown:
        sys.exit(f"unknown framework(s) {', '.join(unknown)}; known: {', '.join(RUNNERS)}")

    print(f"threads {args.threads}, warm-up {args.warmup} steps, {args.windows} windows of {args.steps} steps, "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    results = []
    for arch in architectures:
        runs = [(name, lambda name=name: run_peer(name, arch, args)) for name in frameworks]
        if args.pneumo:
            runs.append(("pneumo", lambda: run_pneumo(args.pneumo, arch, args)))
        for name, run in runs:
            print(f"  running {name} on {arch.name} ...", file=sys.stderr, flush=True)
            result = run()
            if result:
                results.append(result)
        counts = {result["parameters"] for result in results if result["arch"] == arch.name and result["parameters"]}
        if len(counts) > 1 or (arch.parameters and counts and counts != {arch.parameters}):
            print(f"  warning: {arch.name} parameter counts differ: {sorted(counts)} (expected {arch.parameters})",
                  file=sys.stderr)
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    print_table(results)
    if args.json:
        with open(args.json + ".tmp", "w") as file:
            json.dump(results, file, indent=1)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
