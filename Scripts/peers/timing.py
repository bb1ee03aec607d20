"""Timing shared by the runners: warm-up, then several timed windows of training steps."""

import argparse
import json
import os
import statistics
import time


def runner_arguments(description):
    """The command line every runner takes (the driver passes the same values to each)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=None, help="default: the architecture's own")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--windows", type=int, default=5, help="timed windows; the median is reported")
    parser.add_argument("--steps", type=int, default=5, help="training steps per timed window")
    parser.add_argument("--channels-last", action="store_true", help="PyTorch only: NHWC memory format")
    parser.add_argument("--device", default="cpu", help="PyTorch only: cpu or cuda")
    parser.add_argument("--compile", action="store_true", help="PyTorch only: torch.compile (inductor) the model")
    return parser.parse_args()


def limit_threads(threads):
    """Caps the math libraries' thread pools; must run before the framework is imported."""
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        os.environ[variable] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"


def measure(train_step, batch, warmup, windows, steps):
    """Images per wall-clock second and per CPU-second (all threads of this process) of each
    timed window. On a shared machine the second is the steadier figure: it does not count
    time spent waiting for a core. `train_step` must finish its work before it returns (the
    runners read the loss back as a Python float)."""
    for _ in range(warmup):
        train_step()
    rates, cpu_rates = [], []
    for _ in range(windows):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            train_step()
        rates.append(batch * steps / (time.perf_counter() - wall))
        cpu_rates.append(batch * steps / (time.process_time() - cpu))
    return rates, cpu_rates


def report(framework, version, arch, batch, threads, parameters, measured, last_loss, peak_bytes=None):
    """Prints the runner's result as one JSON line, the last line of its output."""
    rates, cpu_rates = measured
    print(json.dumps({
        "framework": framework, "version": version, "arch": arch.name, "batch": batch,
        "threads": threads, "parameters": parameters,
        "rates": rates, "median": statistics.median(rates),
        "cpu_rates": cpu_rates, "cpu_median": statistics.median(cpu_rates),
        "last_loss": last_loss, "peak_bytes": peak_bytes,
    }))
