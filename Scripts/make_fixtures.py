#!/usr/bin/env python3
"""Writes reference fixtures for the engine tests, computed with PyTorch on the CPU.

Each fixture is one JSON file in Tests/EngineTests/Fixtures/:

    {"op": str, "config": {...}, "tensors": {name: {"shape": [...], "data": [floats]}}}

Tensors are float32, row-major, NCHW; weights use PyTorch layouts (conv [out, in, kh, kw],
linear [out, in]). Scalars have shape [1]. Gradients are of L = sum(output * r) for the
stored r. Inputs are drawn as float32 and every result is computed in float64 from those
exact float32 values, then rounded once to float32, so the fixtures hold the correctly
rounded answer rather than one float32 summation order.

Usage (PyTorch needed, CI does not run this):
    python3 -m venv .venv-torch && .venv-torch/bin/pip install torch numpy
    .venv-torch/bin/python Scripts/make_fixtures.py [--out DIR]
"""

import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

FIXTURE_LIMIT_BYTES = 100_000
TOTAL_LIMIT_BYTES = 1_000_000


# ---------------------------------------------------------------------------------------------
# Random inputs and serialisation


class Case:
    """One fixture under construction: its op, config and named tensors."""

    def __init__(self, name, op, seed, config):
        self.name = name
        self.op = op
        self.config = config
        self.tensors = {}
        self.generator = torch.Generator().manual_seed(seed)

    def randn(self, *shape, scale=1.0):
        """Float32-representable normal values, returned as float64 for exact arithmetic."""
        values = torch.randn(*shape, generator=self.generator, dtype=torch.float32) * scale
        return values.to(torch.float64)

    def uniform(self, *shape, low, high):
        values = torch.rand(*shape, generator=self.generator, dtype=torch.float32) * (high - low) + low
        return values.to(torch.float64)

    def add(self, name, tensor):
        array = tensor.detach().to(torch.float32).contiguous().numpy()
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{self.name}: tensor {name} has non-finite values")
        self.tensors[name] = array
        # Later arithmetic sees exactly the stored float32 values (constants like 1.9 included).
        return torch.from_numpy(array.copy()).to(torch.float64)

    def to_json(self):
        """Compact JSON with float32 values in their shortest round-trip decimal form."""
        parts = [
            '{"op":', json.dumps(self.op),
            ',"config":', json.dumps(self.config, sort_keys=True, separators=(",", ":")),
            ',"tensors":{',
        ]
        for index, (name, array) in enumerate(self.tensors.items()):
            shape = list(array.shape) if array.ndim > 0 else [1]
            data = ",".join(format_float32(v) for v in array.reshape(-1))
            parts.append(("," if index else "") + f'\n{json.dumps(name)}:{{"shape":{json.dumps(shape, separators=(",", ":"))},"data":[{data}]}}')
        parts.append("\n}}\n")
        return "".join(parts)


def format_float32(value):
    text = np.format_float_positional(np.float32(value), unique=True, trim="-")
    scientific = np.format_float_scientific(np.float32(value), unique=True, trim="-")
    return text if len(text) <= len(scientific) else scientific


def leaf(tensor):
    return tensor.clone().requires_grad_(True)


# ---------------------------------------------------------------------------------------------
# Convolution


def same_padding(size, kernel, stride):
    """TensorFlow's "same": out = ceil(in / stride); the odd extra pixel goes after."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv2d_case(name, seed, kernel, stride, padding, batch=2, in_channels=3, out_channels=4, height=8, width=11):
    if padding == "same":
        top, bottom = same_padding(height, kernel, stride)
        left, right = same_padding(width, kernel, stride)
    else:
        top = bottom = left = right = 0
    case = Case(name, "conv2d", seed, {
        "kernel": kernel, "stride": stride, "padding": padding,
        "pad": [top, bottom, left, right], "pad_order": "top, bottom, left, right",
        "batch": batch, "in_channels": in_channels, "out_channels": out_channels,
    })
    x = leaf(case.add("input", case.randn(batch, in_channels, height, width)))
    fan_in = in_channels * kernel * kernel
    w = leaf(case.add("weight", case.randn(out_channels, in_channels, kernel, kernel, scale=1 / math.sqrt(fan_in))))
    b = leaf(case.add("bias", case.randn(out_channels, scale=0.1)))
    y = F.conv2d(F.pad(x, (left, right, top, bottom)), w, b, stride=stride)
    case.add("output", y)
    r = case.add("r", case.randn(*y.shape))
    (y * r).sum().backward()
    case.add("grad_input", x.grad)
    case.add("grad_weight", w.grad)
    case.add("grad_bias", b.grad)
    return case


# ---------------------------------------------------------------------------------------------
# Pooling


def pool_case(name, seed, op, shape):
    config = {"kernel": 2, "stride": 2, "rounding": "floor"} if op != "global_avg_pool" else {"output_layout": "[N, C]"}
    case = Case(name, op, seed, config)
    x = leaf(case.add("input", case.randn(*shape)))
    if op == "max_pool2d":
        y = F.max_pool2d(x, 2, 2)
    elif op == "avg_pool2d":
        y = F.avg_pool2d(x, 2, 2)
    else:
        y = x.mean(dim=(2, 3))
    case.add("output", y)
    r = case.add("r", case.randn(*y.shape))
    (y * r).sum().backward()
    case.add("grad_input", x.grad)
    return case


# ---------------------------------------------------------------------------------------------
# Batch normalisation


def batch_norm_train_case(name, seed, shape):
    channels = shape[1]
    case = Case(name, "batch_norm_train", seed, {
        "momentum": 0.1, "eps": 1e-5,
        "running_var_update": "unbiased batch variance (n / (n - 1)); normalisation uses the biased one",
    })
    x = leaf(case.add("input", case.randn(*shape, scale=2.0) + 0.5))
    w = leaf(case.add("weight", case.uniform(channels, low=0.5, high=1.5)))
    b = leaf(case.add("bias", case.randn(channels, scale=0.2)))
    running_mean = case.add("running_mean_before", case.randn(channels, scale=0.1))
    running_var = case.add("running_var_before", case.uniform(channels, low=0.5, high=1.5))
    y = F.batch_norm(x, running_mean, running_var, w, b, training=True, momentum=0.1, eps=1e-5)
    case.add("output", y)
    case.add("running_mean", running_mean)
    case.add("running_var", running_var)
    r = case.add("r", case.randn(*y.shape))
    (y * r).sum().backward()
    case.add("grad_input", x.grad)
    case.add("grad_weight", w.grad)
    case.add("grad_bias", b.grad)
    return case


def batch_norm_eval_case(name, seed, shape):
    channels = shape[1]
    case = Case(name, "batch_norm_eval", seed, {"eps": 1e-5})
    x = leaf(case.add("input", case.randn(*shape, scale=2.0) + 0.5))
    w = leaf(case.add("weight", case.uniform(channels, low=0.5, high=1.5)))
    b = leaf(case.add("bias", case.randn(channels, scale=0.2)))
    running_mean = case.add("running_mean", case.randn(channels, scale=0.5))
    running_var = case.add("running_var", case.uniform(channels, low=0.5, high=3.0))
    y = F.batch_norm(x, running_mean, running_var, w, b, training=False, eps=1e-5)
    case.add("output", y)
    r = case.add("r", case.randn(*y.shape))
    (y * r).sum().backward()
    case.add("grad_input", x.grad)
    case.add("grad_weight", w.grad)
    case.add("grad_bias", b.grad)
    return case


# ---------------------------------------------------------------------------------------------
# Dense


def dense_case(name, seed, batch, in_features, out_features):
    case = Case(name, "dense", seed, {"in_features": in_features, "out_features": out_features})
    x = leaf(case.add("input", case.randn(batch, in_features)))
    w = leaf(case.add("weight", case.randn(out_features, in_features, scale=1 / math.sqrt(in_features))))
    b = leaf(case.add("bias", case.randn(out_features, scale=0.1)))
    y = F.linear(x, w, b)
    case.add("output", y)
    r = case.add("r", case.randn(*y.shape))
    (y * r).sum().backward()
    case.add("grad_input", x.grad)
    case.add("grad_weight", w.grad)
    case.add("grad_bias", b.grad)
    return case


# ---------------------------------------------------------------------------------------------
# Losses: mean over the batch of w[y_i] * l_i (no division by the sum of weights)


def bce_case(name, seed, batch):
    case = Case(name, "bce_with_logits_weighted", seed, {
        "reduction": "mean over N of w[y_i] * l_i", "weights": "w[0] for target 0, w[1] for target 1",
    })
    logits = case.randn(batch, scale=3.0)
    logits[0], logits[1] = 25.0, -30.0  # saturated logits must not overflow
    x = leaf(case.add("logits", logits))
    # The saturated logits come with the opposite targets: confidently wrong answers.
    labels = [0, 1] + [int((i * 7 + 3) % 3 != 0) for i in range(batch - 2)]
    targets = case.add("targets", torch.tensor(labels, dtype=torch.float64))
    weights = case.add("weights", torch.tensor([1.9, 0.6], dtype=torch.float64))
    per_sample = F.binary_cross_entropy_with_logits(x, targets, reduction="none")
    loss = (weights[targets.long()] * per_sample).mean()
    case.add("loss", loss.reshape(1))
    loss.backward()
    case.add("grad_logits", x.grad)
    return case


def softmax_ce_case(name, seed, batch, classes):
    case = Case(name, "softmax_cross_entropy_weighted", seed, {
        "reduction": "mean over N of w[y_i] * l_i", "targets": "class indices stored as floats",
    })
    logits = case.randn(batch, classes, scale=2.0)
    logits[0, 0] = 40.0  # a large logit must not overflow
    x = leaf(case.add("logits", logits))
    targets = torch.tensor([(i * 5 + 1) % classes for i in range(batch)], dtype=torch.long)
    case.add("targets", targets.to(torch.float64))
    weights = case.add("weights", case.uniform(classes, low=0.5, high=2.0))
    per_sample = F.cross_entropy(x, targets, reduction="none")
    loss = (weights[targets] * per_sample).mean()
    case.add("loss", loss.reshape(1))
    loss.backward()
    case.add("grad_logits", x.grad)
    return case


# ---------------------------------------------------------------------------------------------
# Optimisers: three steps from the same start, so bias correction and momentum both show


def optimizer_case(name, seed, op, make_optimizer, config, steps=3, size=12):
    case = Case(name, op, seed, dict(config, steps=steps))
    start = case.randn(size)
    start[0] = 0.0
    param = torch.nn.Parameter(case.add("param", start).clone())
    optimizer = make_optimizer([param])
    for step in range(1, steps + 1):
        grad = case.randn(size, scale=0.5)
        grad[1] = 0.0  # a zero gradient still moves the parameter through momentum or decay
        grad[2] = 1e-6
        param.grad = case.add(f"grad_{step}", grad).clone()
        optimizer.step()
        case.add(f"param_{step}", param.detach().clone())
    return case


def optimizer_cases():
    adam = {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8}
    sgd = {"lr": 0.01, "momentum": 0.9, "dampening": 0.0}
    return [
        optimizer_case("adam", 701, "adam",
                       lambda p: torch.optim.Adam(p, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
                       dict(adam, weight_decay=0.0)),
        optimizer_case("adam_weight_decay", 702, "adam",
                       lambda p: torch.optim.Adam(p, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01),
                       dict(adam, weight_decay=0.01, weight_decay_kind="coupled: grad += weight_decay * param")),
        optimizer_case("adamw", 703, "adamw",
                       lambda p: torch.optim.AdamW(p, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01),
                       dict(adam, weight_decay=0.01, weight_decay_kind="decoupled: param *= 1 - lr * weight_decay")),
        optimizer_case("sgd_momentum", 704, "sgd",
                       lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=False),
                       dict(sgd, nesterov=False, weight_decay=0.0,
                            first_step="buffer = grad (PyTorch), not (1 - dampening) * grad")),
        optimizer_case("sgd_nesterov", 705, "sgd",
                       lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-3),
                       dict(sgd, nesterov=True, weight_decay=1e-3,
                            first_step="buffer = grad (PyTorch), not (1 - dampening) * grad")),
    ]


# ---------------------------------------------------------------------------------------------
# A whole residual block, as pneumoresnet's stride-2 blocks are built


def residual_block_case(name, seed, shape=(2, 3, 6, 8), out_channels=4, stride=2):
    """conv3x3 (stride, TensorFlow "same") -> batch norm -> ReLU -> conv3x3 -> batch norm, plus
    a 1x1 stride-2 projection with batch norm, added, then ReLU; all batch norms in training
    mode. Node names are those of the graph the test builds: conv1, bn1, conv2, bn2, proj, proj_bn."""
    batch, channels, height, width = shape
    case = Case(name, "residual_block", seed, {
        "stride": stride, "out_channels": out_channels, "momentum": 0.1, "eps": 1e-5,
        "nodes": "conv1 -> bn1 -> relu -> conv2 -> bn2; proj -> proj_bn; add; relu",
    })
    x = leaf(case.add("input", case.randn(*shape)))
    parameters = {}

    def conv(node, inputs, kernel):
        fan_in = inputs * kernel * kernel
        parameters[node + ".weight"] = leaf(case.add(node + ".weight", case.randn(out_channels, inputs, kernel, kernel, scale=1 / math.sqrt(fan_in))))
        parameters[node + ".bias"] = leaf(case.add(node + ".bias", case.randn(out_channels, scale=0.1)))

    def norm(node):
        parameters[node + ".weight"] = leaf(case.add(node + ".weight", case.uniform(out_channels, low=0.5, high=1.5)))
        parameters[node + ".bias"] = leaf(case.add(node + ".bias", case.randn(out_channels, scale=0.2)))
        running = (case.add(node + ".running_mean_before", case.randn(out_channels, scale=0.1)),
                   case.add(node + ".running_var_before", case.uniform(out_channels, low=0.5, high=1.5)))
        return running

    conv("conv1", channels, 3)
    running1 = norm("bn1")
    conv("conv2", out_channels, 3)
    running2 = norm("bn2")
    conv("proj", channels, 1)
    running3 = norm("proj_bn")

    def same_conv(value, node, kernel, step):
        top, bottom = same_padding(value.shape[2], kernel, step)
        left, right = same_padding(value.shape[3], kernel, step)
        return F.conv2d(F.pad(value, (left, right, top, bottom)), parameters[node + ".weight"], parameters[node + ".bias"], stride=step)

    def batch_norm(value, node, running):
        return F.batch_norm(value, running[0], running[1], parameters[node + ".weight"], parameters[node + ".bias"],
                            training=True, momentum=0.1, eps=1e-5)

    body = batch_norm(same_conv(torch.relu(batch_norm(same_conv(x, "conv1", 3, stride), "bn1", running1)), "conv2", 3, 1), "bn2", running2)
    shortcut = batch_norm(same_conv(x, "proj", 1, stride), "proj_bn", running3)
    y = torch.relu(body + shortcut)
    case.add("output", y)
    for node, running in (("bn1", running1), ("bn2", running2), ("proj_bn", running3)):
        case.add(node + ".running_mean", running[0])
        case.add(node + ".running_var", running[1])
    r = case.add("r", case.randn(*y.shape))
    (y * r).sum().backward()
    case.add("grad_input", x.grad)
    for key, value in parameters.items():
        case.add("grad_" + key, value.grad)
    return case


# ---------------------------------------------------------------------------------------------


def all_cases():
    return [
        conv2d_case("conv2d_k3_s1_valid", 101, kernel=3, stride=1, padding="valid"),
        conv2d_case("conv2d_k3_s1_same", 102, kernel=3, stride=1, padding="same"),
        conv2d_case("conv2d_k5_s2_same", 103, kernel=5, stride=2, padding="same"),
        conv2d_case("conv2d_k1_s1_valid", 104, kernel=1, stride=1, padding="valid"),
        conv2d_case("conv2d_k3_s2_valid_batch1", 105, kernel=3, stride=2, padding="valid",
                    batch=1, in_channels=2, out_channels=3, height=9, width=6),
        pool_case("max_pool2d_odd", 201, "max_pool2d", (2, 3, 7, 9)),
        pool_case("avg_pool2d_odd", 202, "avg_pool2d", (2, 3, 7, 9)),
        pool_case("global_avg_pool", 203, "global_avg_pool", (2, 3, 5, 7)),
        batch_norm_train_case("batch_norm_train_4d", 301, (3, 4, 5, 6)),
        batch_norm_train_case("batch_norm_train_2d", 302, (6, 5)),
        batch_norm_eval_case("batch_norm_eval_4d", 303, (2, 4, 3, 5)),
        batch_norm_eval_case("batch_norm_eval_2d", 304, (4, 5)),
        dense_case("dense", 401, batch=5, in_features=7, out_features=4),
        bce_case("bce_with_logits_weighted", 501, batch=10),
        softmax_ce_case("softmax_cross_entropy_weighted", 502, batch=7, classes=4),
        residual_block_case("residual_block_s2", 601),
    ] + optimizer_cases()


def write_atomically(path, text):
    directory = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(root, "Tests", "EngineTests", "Fixtures"))
    args = parser.parse_args()

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    os.makedirs(args.out, exist_ok=True)

    total = 0
    for case in all_cases():
        text = case.to_json()
        size = len(text.encode())
        if size > FIXTURE_LIMIT_BYTES:
            sys.exit(f"{case.name}: {size} bytes is over the {FIXTURE_LIMIT_BYTES}-byte limit per fixture; shrink its shapes")
        write_atomically(os.path.join(args.out, case.name + ".json"), text)
        total += size
        print(f"{case.name + '.json':40s} {size:7d} bytes")
    print(f"{'total':40s} {total:7d} bytes (torch {torch.__version__})")
    if total > TOTAL_LIMIT_BYTES:
        sys.exit(f"fixtures total {total} bytes, over the {TOTAL_LIMIT_BYTES}-byte limit")


if __name__ == "__main__":
    main()
