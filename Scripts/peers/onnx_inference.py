#!/usr/bin/env python3
"""Inference speed, side by side in one run: pneumo (its OpenCL kernels on the CPU through PoCL)
against ONNX Runtime's CPU provider, on the models pneumo exports, at batch 1 and 32, two threads
each. Run through Scripts/peers/onnx_speed.sh, which exports the models and makes the venv.

pneumo's figure is `pneumo bench`'s inference timing: the network's forward pass on a device
batch of float images (running statistics, no dropout). ONNX Runtime's runs the exported graph
from the uint8 image to the calibrated probabilities; the scaling and calibration nodes it adds
are a few element-wise operations next to the network. Both report the median of timed windows.
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import numpy as np
import onnxruntime as ort


def onnx_rate(path, batch, threads, warmup, windows, steps):
    """Median images/s of ONNX Runtime over `windows` windows of `steps` runs."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    shape = session.get_inputs()[0].shape
    images = np.random.default_rng(1).integers(0, 256, size=(batch, *shape[1:]), dtype=np.uint8)
    for _ in range(warmup):
        session.run(None, {"image": images})
    rates = []
    for _ in range(windows):
        start = time.perf_counter()
        for _ in range(steps):
            session.run(None, {"image": images})
        rates.append(batch * steps / (time.perf_counter() - start))
    return statistics.median(rates)


def pneumo_rate(pneumo, model, batch, warmup, windows, steps, environment):
    """pneumo bench's median inference images/s for a built-in model at one batch size."""
    command = [pneumo, "bench", "--models", model, "--batch", str(batch), "--warmup", str(warmup),
               "--windows", str(windows), "--steps", str(steps), "--profile-steps", "0", "--gemm", "none", "--json"]
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=environment).stdout
    report = json.loads(output)
    for entry in report["models"]:
        if entry["inferenceImagesPerSecond"] is not None:
            return entry["inferenceImagesPerSecond"]
    raise SystemExit(f"pneumo bench gave no inference figure for {model} at batch {batch}")


def add_timing_arguments(parser):
    """The options every inference comparison shares: batch sizes, threads and the timing windows."""
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--steps", type=int, default=3)


def thread_environment(threads):
    """The environment that caps PoCL (3.x and 4.x) at `threads` threads."""
    return dict(os.environ, POCL_MAX_PTHREAD_COUNT=str(threads), POCL_CPU_MAX_CU_COUNT=str(threads))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pneumo", required=True, help="release pneumo binary")
    parser.add_argument("--onnx-dir", required=True, help="folder holding MODEL.onnx for each built-in model")
    parser.add_argument("--models", default="pneumonet,seed-cnn,seed-cnn-tuned,seed-dense")
    add_timing_arguments(parser)
    arguments = parser.parse_args()

    environment = thread_environment(arguments.threads)
    print(f"onnxruntime {ort.__version__}; {arguments.threads} threads each; median of {arguments.windows} windows "
          f"of {arguments.steps} batches")
    print("| model | batch | pneumo images/s | ONNX Runtime images/s | ONNX Runtime / pneumo |")
    print("|---|---|---|---|---|")
    for model in arguments.models.split(","):
        path = os.path.join(arguments.onnx_dir, f"{model}.onnx")
        for batch in (int(value) for value in arguments.batches.split(",")):
            ours = pneumo_rate(arguments.pneumo, model, batch, arguments.warmup, arguments.windows, arguments.steps, environment)
            theirs = onnx_rate(path, batch, arguments.threads, arguments.warmup, arguments.windows, arguments.steps)
            print(f"| {model} | {batch} | {ours:.1f} | {theirs:.1f} | {theirs / ours:.2f} |", flush=True)


if __name__ == "__main__":
    main()
