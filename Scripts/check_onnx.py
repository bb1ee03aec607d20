"""Checks `pneumo export --format onnx` against ONNX Runtime.

For each model: train a throwaway checkpoint (1 epoch on a few X-rays), export it, run
onnx.checker, and compare ONNX Runtime's probabilities on the exported pixels of real test images
with `pneumo predict --format json` on the same files. Checkpoints calibrated with test-time
augmentation (training's default) build the copies into the graph: the copies the graph makes
must equal, bit for bit, the ones numpy makes here by pneumo's rule, and the probabilities must
match predict's. Such a checkpoint is also exported in one pass (`--no-tta`) and compared with
`pneumo predict --no-tta`. Prints a table; exits 1 when any export differs by more than the
tolerance, makes other copies, or fails the checker.

Run through Scripts/check-onnx.sh, which makes the virtual environment and the small data set.
"""
import argparse
import json
import os
import shutil
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


def graph_copies(model, pixels):
    """The copies an exported graph makes of `pixels` (its intermediate output 'tta/copies')."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.append(onnx.helper.make_tensor_value_info("tta/copies", onnx.TensorProto.UINT8, None))
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    copies, = session.run(["tta/copies"], {"image": pixels})
    return copies


def compare(pneumo, checkpoint, images, work, label, one_pass=False, keep=None):
    """Exports `checkpoint` (in one pass with `one_pass`) and returns one table row for it."""
    # The file is named by the label before its parenthesis: MODEL.onnx is what the speed scripts open.
    name = label.split(" (")[0].replace(" ", "-").replace(",", "")
    stem = os.path.join(work, name + (".one-pass" if one_pass else ""))
    model_path, pixels_path = stem + ".onnx", stem + ".npy"
    choice = ["--no-tta"] if one_pass else []
    run([pneumo, "export", "--model", checkpoint, "--format", "onnx", "--out", model_path] + choice, stem + ".export.log")
    run([pneumo, "export", "--model", checkpoint, "--format", "pixels", "--out", pixels_path] + images, stem + ".pixels.log")
    predicted = subprocess.run(
        [pneumo, "predict", "--model", checkpoint, "--format", "json", "--low-quality", "flag"] + choice + images,
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
    probabilities, = session.run(["probability"], {"image": pixels})
    probabilities = probabilities.astype(np.float64)
    copies, copies_ok = 1, True
    if "pneumo.test_time_augmentation.in_graph" in properties:
        variants = json.loads(properties["pneumo.test_time_augmentation"])["variants"]
        copies = len(variants)
        copies_ok = np.array_equal(graph_copies(model, pixels), np.concatenate([moved(pixels, v) for v in variants]))
    reference = np.array([expected[os.path.realpath(path)] for path in images], dtype=np.float64)
    difference = float(np.max(np.abs(probabilities - reference)))
    if keep:
        shutil.copy(model_path, os.path.join(keep, name + ".onnx"))
    return {
        "model": label + (" (one pass)" if one_pass else ""),
        "classes": probabilities.shape[1],
        "nodes": len(model.graph.node),
        "opset": model.opset_import[0].version,
        "images": len(images),
        "copies": copies if copies_ok else f"{copies}, NOT pneumo's",
        "difference": difference,
        "range": (float(reference[:, -1].min()), float(reference[:, -1].max())),
        "ok": difference <= TOLERANCE and copies_ok,
        "calibrated_with_copies": "pneumo.test_time_augmentation" in properties and not one_pass,
    }


def checked(pneumo, checkpoint, images, work, label, keep):
    """The rows for one checkpoint: as calibrated, and in one pass when that differs. The
    one-pass export is the one kept for the speed scripts, which time one pass of each."""
    begun = time.time()
    rows = [compare(pneumo, checkpoint, images, work, label, keep=keep)]
    if rows[0]["calibrated_with_copies"]:
        rows.append(compare(pneumo, checkpoint, images, work, label, one_pass=True, keep=keep))
    for row in rows:
        row["seconds"] = (time.time() - begun) / len(rows)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pneumo", required=True)
    parser.add_argument("--data", required=True, help="small chest_xray folder to train on")
    parser.add_argument("--work", required=True)
    parser.add_argument("--images", nargs="+", required=True, help="real test images to compare on")
    parser.add_argument("--keep", help="folder to copy each model's one-pass export into, as MODEL.onnx")
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
        trained = time.time() - begun
        new = checked(arguments.pneumo, checkpoints[name], arguments.images, arguments.work, name, arguments.keep)
        new[0]["seconds"] += trained
        rows += new
    # An ensemble of two pneumonet seeds validated on the same images.
    begun = time.time()
    second = train(arguments.pneumo, arguments.data, arguments.work, "pneumonet", ["--model", "pneumonet"], seed=2)
    ensemble = os.path.join(arguments.work, "runs", "ensemble")
    run([arguments.pneumo, "ensemble", checkpoints["pneumonet"], second, "--out", ensemble, "--data", arguments.data,
         "--no-cache"], ensemble + ".log")
    trained = time.time() - begun
    new = checked(arguments.pneumo, ensemble, arguments.images, arguments.work, "ensemble of 2 pneumonet", arguments.keep)
    new[0]["seconds"] += trained
    rows += new

    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}; tolerance {TOLERANCE:g} on calibrated probabilities")
    print("| model | classes | ONNX nodes | opset | images | copies in the graph | p(last class) range | checker | max abs difference | result | s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        low, high = row["range"]
        print(f"| {row['model']} | {row['classes']} | {row['nodes']} | {row['opset']} | {row['images']} | {row['copies']} | {low:.3f}-{high:.3f} | passes | "
              f"{row['difference']:.2e} | {'ok' if row['ok'] else 'FAILS'} | {row['seconds']:.0f} |")
    print(f"{len(rows)} exports in {time.time() - started:.0f} s")
    failed = sum(not row["ok"] for row in rows)
    print(f"{failed} of {len(rows)} exports differ by more than {TOLERANCE:g} or make other copies" if failed
          else f"all {len(rows)} exports within {TOLERANCE:g}, every copy pneumo's")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
