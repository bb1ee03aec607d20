#!/usr/bin/env python3
"""Inference speed of two pneumo binaries side by side, with ONNX Runtime on the same exported
models as the reference: for each model and batch size the runs alternate (baseline,
candidate, baseline, candidate, ...), every run is printed, then the medians and the ratios.
The machine may be busy: the alternation spreads its load over both binaries.

Usage (after Scripts/check-onnx.sh with PNEUMO_ONNX_KEEP=DIR has exported the models):
  .venv-onnx/bin/python Scripts/peers/inference_ab.py --baseline OLD_BIN --candidate NEW_BIN --onnx-dir DIR
"""
import argparse
import os
import statistics

from onnx_inference import add_timing_arguments, onnx_rate, pneumo_rate, thread_environment


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", required=True, help="release pneumo binary to compare against")
    parser.add_argument("--candidate", required=True, help="release pneumo binary being measured")
    parser.add_argument("--onnx-dir", required=True, help="folder holding MODEL.onnx for each built-in model")
    parser.add_argument("--models", default="pneumonet,seed-cnn-tuned,pneumoresnet")
    parser.add_argument("--rounds", type=int, default=2, help="baseline-candidate pairs per model and batch")
    add_timing_arguments(parser)
    arguments = parser.parse_args()

    environment = thread_environment(arguments.threads)
    timing = (arguments.warmup, arguments.windows, arguments.steps)
    print(f"{arguments.threads} threads each; each run the median of {arguments.windows} windows of {arguments.steps} batches; "
          f"{arguments.rounds} alternated rounds", flush=True)
    rows = []
    for model in arguments.models.split(","):
        path = os.path.join(arguments.onnx_dir, f"{model}.onnx")
        for batch in (int(value) for value in arguments.batches.split(",")):
            runs = {"baseline": [], "candidate": [], "onnxruntime": []}
            for _ in range(arguments.rounds):
                for name in ("baseline", "candidate"):
                    rate = pneumo_rate(getattr(arguments, name), model, batch, *timing, environment)
                    runs[name].append(rate)
                    print(f"{model} batch {batch} {name}: {rate:.1f} images/s", flush=True)
                rate = onnx_rate(path, batch, arguments.threads, *timing)
                runs["onnxruntime"].append(rate)
                print(f"{model} batch {batch} onnxruntime: {rate:.1f} images/s", flush=True)
            rows.append((model, batch, {name: statistics.median(values) for name, values in runs.items()}))
    print()
    print("| model | batch | baseline images/s | candidate images/s | candidate / baseline | ONNX Runtime images/s | ONNX Runtime / candidate |")
    print("|---|---|---|---|---|---|---|")
    for model, batch, m in rows:
        print(f"| {model} | {batch} | {m['baseline']:.1f} | {m['candidate']:.1f} | {m['candidate'] / m['baseline']:.2f} | "
              f"{m['onnxruntime']:.1f} | {m['onnxruntime'] / m['candidate']:.2f} |")


if __name__ == "__main__":
    main()
