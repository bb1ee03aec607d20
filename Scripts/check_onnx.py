"""Checks `pneumo export --format onnx` against ONNX Runtime.

For each model: train a throwaway checkpoint (1 epoch on a few X-rays), export it, run
onnx.checker, and compare ONNX Runtime's probabilities on the exported pixels of real test images
with `pneumo predict --format json` on the same files. Checkpoints calibrated with test-time
augmentation (training's default) are scored as their metadata_props describe: the graph's
logits averaged over the listed copies, then the temperature. Prints a table; exits 1 when any model
differs by more than the tolerance or fails the checker.

Run through Scripts/check-onnx.sh, which makes the virtual environment and the small data set.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort

TOLERANCE = 1e-5

# name, training arguments. Each trains for one epoch on the small data set given.
MODELS = [
    ("pneumonet", ["--model", "pneumonet"]),
    ("pneumonet-deep", ["--model", "pneumonet-deep"]),
    ("seed-cnn", ["--model", "seed-cnn"]),
    ("seed-cnn-tuned", ["--model", "seed-cnn-tuned"]),
    ("seed-dense", ["--model", "seed-dense"]),
    ("pneumoresnet (a graph: residual Add, strided and 1x1 convolutions)", ["--model", "pneumoresnet"]),
    ("pneumonet, 3 classes", ["--model", "pneumonet", "--classes", "3", "--input-size", "64", "--width", "8"]),
    ("architecture file", ["--model", "{architecture}"]),
]

# Every mapping the sequential exporter has: stride-2 `same` convolutions (asymmetric padding),
# 2 input channels, average pooling, leaky ReLU, tanh, sigmoid, batch norm on features.
ARCHITECTURE = {
    "name": "export-check",
    "input": {"channels": 2, "size": 45},
    "layers": [
        {"type": "Conv2D", "filters": 6, "kernel": 3, "stride": 2, "padding": "same", "activation": "leaky_relu", "slope": 0.2},
        {"type": "Conv2D", "filters": 8, "kernel": 4, "stride": 2, "padding": "same"},
        {"type": "BatchNorm"}, {"type": "Tanh"},
        {"type": "AvgPool2D", "size": 3, "stride": 2},
        {"type": "Conv2D", "filters": 8, "kernel": 1, "padding": "valid", "activation": "sigmoid"},
        {"type": "MaxPool2D", "size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "units": 12, "activation": "relu"},
        {"type": "BatchNorm"},
        {"type": "Dropout", "rate": 0.2},
        {"type": "Dense", "units": "output"},
    ],
}


def run(command, log):
    """Runs a pneumo command; its output goes to `log`, and a failure shows it."""
    with open(log, "w") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        sys.stderr.write(open(log).read())
        raise SystemExit(f"failed: {' '.join(command)}")


def train(pneumo, data, work, name, arguments, seed):
    folder = os.path.join(work, "runs", f"{name.replace(' ', '-').replace(',', '')}-{seed}")
    os.makedirs(os.path.dirname(folder), exist_ok=True)
    run([pneumo, "train", "--data", data, "--epochs", "1", "--batch-size", "8", "--seed", str(seed),
         "--val-fraction", "0", "--no-cache", "--out", folder] + arguments, folder + ".log")
    return os.path.join(folder, "best")


def moved(pixels, variant):
    """pixels [N, 1, side, side] uint8 moved as pneumo's test-time augmentation moves a copy:
    undo the shift (a share of the side), then the zoom about the centre; bilinear, edges
    repeated, rounded half away from zero. The same float64 operations in the same order."""
    side = pixels.shape[-1]
    centre = (side - 1) / 2
    grid = np.arange(side, dtype=np.float64)
    sx = (grid - variant["shiftX"] * side - centre) / variant["scale"] + centre
    sy = (grid - variant["shiftY"] * side - centre) / variant["scale"] + centre
    cx, cy = np.clip(sx, 0, side - 1), np.clip(sy, 0, side - 1)
    x0, y0 = cx.astype(np.int64), cy.astype(np.int64)
    x1, y1 = np.minimum(x0 + 1, side - 1), np.minimum(y0 + 1, side - 1)
    fx, fy = (cx - x0)[None, None, None, :], (cy - y0)[None, None, :, None]
    source = pixels.astype(np.float64)
    def at(ys, xs):
        return source[:, :, ys][:, :, :, xs]
    top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx
    bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx
    value = top * (1 - fy) + bottom * fy
    rounded = np.where(value - np.floor(value) >= 0.5, np.ceil(value), np.floor(value))
    return np.clip(rounded, 0, 255).astype(np.uint8)


def probabilities_outside_graph(session, pixels, properties):
    """The graph's probabilities, or, when the checkpoint scores with test-time augmentation,
    what its metadata_props say to do: average output 'logit' over the copies, then apply the
    temperature (sigmoid for one logit, softmax otherwise). Returns them and the copies used."""
    if "pneumo.test_time_augmentation" not in properties:
        probabilities, = session.run(["probability"], {"image": pixels})
        return probabilities.astype(np.float64), 1
    variants = json.loads(properties["pneumo.test_time_augmentation"])["variants"]
    logits = [session.run(["logit"], {"image": moved(pixels, variant)})[0].astype(np.float64) for variant in variants]
    mean = np.mean(logits, axis=0) / float(properties["pneumo.temperature"])
    if mean.shape[1] == 1:
        positive = 1 / (1 + np.exp(-mean[:, 0]))
        return np.stack([1 - positive, positive], axis=1), len(variants)
    exponentials = np.exp(mean - mean.max(axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True), len(variants)


def compare(pneumo, checkpoint, images, work, label):
    """Exports `checkpoint` and returns one table row for it."""
    # The file is named by the label before its parenthesis: MODEL.onnx is what the speed scripts open.
    stem = os.path.join(work, label.split(" (")[0].replace(" ", "-").replace(",", ""))
    model_path, pixels_path = stem + ".onnx", stem + ".npy"
    run([pneumo, "export", "--model", checkpoint, "--format", "onnx", "--out", model_path], stem + ".export.log")
    run([pneumo, "export", "--model", checkpoint, "--format", "pixels", "--out", pixels_path] + images, stem + ".pixels.log")
    predicted = subprocess.run(
        [pneumo, "predict", "--model", checkpoint, "--format", "json", "--low-quality", "flag"] + images,
        capture_output=True, text=True, check=True)
    # predict names files by their resolved path; compare by that, whatever form was given.
    expected = {os.path.realpath(entry["file"]): entry["probabilities"] for entry in json.loads(predicted.stdout)["predictions"]}

    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    pixels = np.load(pixels_path)
    properties = {entry.key: entry.value for entry in model.metadata_props}
    probabilities, copies = probabilities_outside_graph(session, pixels, properties)
    reference = np.array([expected[os.path.realpath(path)] for path in images], dtype=np.float64)
    difference = float(np.max(np.abs(probabilities - reference)))
    return {
        "model": label,
        "classes": probabilities.shape[1],
        "nodes": len(model.graph.node),
        "opset": model.opset_import[0].version,
        "images": len(images),
        "copies": copies,
        "difference": difference,
        "range": (float(reference[:, -1].min()), float(reference[:, -1].max())),
        "ok": difference <= TOLERANCE,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pneumo", required=True)
    parser.add_argument("--data", required=True, help="small chest_xray folder to train on")
    parser.add_argument("--work", required=True)
    parser.add_argument("--images", nargs="+", required=True, help="real test images to compare on")
    arguments = parser.parse_args()
    started = time.time()
    architecture = os.path.join(arguments.work, "export-check.json")
    with open(architecture, "w") as out:
        json.dump(ARCHITECTURE, out)

    rows = []
    checkpoints = {}
    for name, training in MODELS:
        begun = time.time()
        training = [value.format(architecture=architecture) for value in training]
        checkpoints[name] = train(arguments.pneumo, arguments.data, arguments.work, name, training, seed=1)
        rows.append(compare(arguments.pneumo, checkpoints[name], arguments.images, arguments.work, name))
        rows[-1]["seconds"] = time.time() - begun
    # An ensemble of two pneumonet seeds validated on the same images.
    begun = time.time()
    second = train(arguments.pneumo, arguments.data, arguments.work, "pneumonet", ["--model", "pneumonet"], seed=2)
    ensemble = os.path.join(arguments.work, "runs", "ensemble")
    run([arguments.pneumo, "ensemble", checkpoints["pneumonet"], second, "--out", ensemble, "--data", arguments.data,
         "--no-cache"], ensemble + ".log")
    rows.append(compare(arguments.pneumo, ensemble, arguments.images, arguments.work, "ensemble of 2 pneumonet"))
    rows[-1]["seconds"] = time.time() - begun

    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}; tolerance {TOLERANCE:g} on calibrated probabilities")
    print("| model | classes | ONNX nodes | opset | images | copies averaged | p(last class) range | checker | max abs difference | result | s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        low, high = row["range"]
        print(f"| {row['model']} | {row['classes']} | {row['nodes']} | {row['opset']} | {row['images']} | {row['copies']} | {low:.3f}-{high:.3f} | passes | "
              f"{row['difference']:.2e} | {'ok' if row['ok'] else 'FAILS'} | {row['seconds']:.0f} |")
    print(f"{len(rows)} models in {time.time() - started:.0f} s")
    failed = sum(not row["ok"] for row in rows)
    print(f"{failed} of {len(rows)} models differ by more than {TOLERANCE:g}" if failed
          else f"all {len(rows)} models within {TOLERANCE:g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
