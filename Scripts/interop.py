"""Cross-checks pneumo's safetensors and PNG files against the Python reference libraries.

    interop.py write DIR   writes numpy.safetensors (and torch.safetensors) for the Swift side to read
    interop.py check DIR   loads the files the Swift side wrote (swift.safetensors, gray.png, rgb.png)

Run through Scripts/check-interop.sh, which calls both around the Swift test. The torch half
runs where torch is installed; numpy and safetensors alone check the rest.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def reference_tensors():
    return {
        "features.0.weight": (np.arange(24, dtype=np.float32) * 0.5 - 3).reshape(2, 3, 4),
        "features.0.bias": np.array([1.5, -2.25], dtype=np.float32),
        "scalar": np.array(7.0, dtype=np.float32),
    }


def swift_tensors():
    """What the Swift test writes; keep in step with InteropExportTests."""
    return {
        "0.weight": (np.arange(72, dtype=np.float32) * 0.001 - 0.03).reshape(8, 1, 3, 3),
        "0.bias": np.arange(8, dtype=np.float32) * 0.25 - 1,
        "scalar": np.array(0.125, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


def write(directory: Path):
    from safetensors.numpy import save_file as save_numpy

    tensors = reference_tensors()
    save_numpy(tensors, str(directory / "numpy.safetensors"), metadata={"writer": "numpy"})
    if not HAVE_TORCH:
        print("wrote numpy.safetensors (torch is not installed: no torch.safetensors)")
        return
    from safetensors.torch import save_file as save_torch
    import torch

    save_torch({k: torch.from_numpy(v.copy()) for k, v in tensors.items()},
               str(directory / "torch.safetensors"), metadata={"writer": "torch"})
    print("wrote numpy.safetensors and torch.safetensors")


def check(directory: Path):
    from safetensors import safe_open
    from safetensors.numpy import load_file as load_numpy
    from PIL import Image

    path = str(directory / "swift.safetensors")
    expected = swift_tensors()
    loaded = load_numpy(path)
    assert loaded.keys() == expected.keys(), (loaded.keys(), expected.keys())
    for name, value in expected.items():
        assert loaded[name].dtype == np.float32 and loaded[name].shape == value.shape, name
        assert np.array_equal(loaded[name], value), name
    with safe_open(path, framework="numpy") as handle:
        assert handle.metadata()["writer"] == "pneumo", handle.metadata()
    if HAVE_TORCH:
        from safetensors.torch import load_file as load_torch

        loaded_torch = load_torch(path)
        for name, value in expected.items():
            assert np.array_equal(loaded_torch[name].numpy(), value), name
        with safe_open(path, framework="pt") as handle:
            assert handle.metadata()["writer"] == "pneumo", handle.metadata()
        print("swift.safetensors: loaded by safetensors.numpy and safetensors.torch, values equal")
    else:
        print("swift.safetensors: loaded by safetensors.numpy, values equal (torch is not installed: not read by torch)")

    gray = np.array(Image.open(directory / "gray.png"))
    expected_gray = np.array([(i * 37) % 256 for i in range(13 * 7)], dtype=np.uint8).reshape(7, 13)
    assert gray.shape == (7, 13) and np.array_equal(gray, expected_gray), gray
    rgb = Image.open(directory / "rgb.png")
    assert rgb.mode == "RGB" and rgb.size == (5, 4), (rgb.mode, rgb.size)
    expected_rgb = np.array([(i * 11) % 256 for i in range(5 * 4 * 3)], dtype=np.uint8).reshape(4, 5, 3)
    assert np.array_equal(np.array(rgb), expected_rgb)
    big = np.array(Image.open(directory / "big.png"))
    assert big.shape == (300, 300) and big[299, 299] == (299 * 300 + 299) % 251
    print("gray.png, rgb.png, big.png: decoded by PIL, pixels equal")


if __name__ == "__main__":
    command, directory = sys.argv[1], Path(sys.argv[2])
    {"write": write, "check": check}[command](directory)
