#!/usr/bin/env bash
# Installs the peer frameworks (PyTorch for the CPU, TensorFlow with Keras) from PyPI into
# .venv-peers at the repository root (git-ignored). Safe to run again.
#
# PyPI's default Linux torch wheel pulls several GB of CUDA libraries. A CPU-only build
# (local version "+cpu") is tried first; set TORCH_SPEC to choose another, e.g. TORCH_SPEC=torch.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv-peers
python=${PYTHON:-python3}
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet)

"${pip[@]}" --upgrade pip
"${pip[@]}" numpy
if [ -n "${TORCH_SPEC:-}" ]; then
    "${pip[@]}" "$TORCH_SPEC"
elif ! "${pip[@]}" "torch==${TORCH_CPU_VERSION:-2.13.0+cpu}"; then
    echo "no CPU-only torch wheel found; installing PyPI's default torch (large: it brings CUDA libraries)" >&2
    "${pip[@]}" torch
fi
"$venv/bin/python" -c "import torch; torch.randn(2)"

# TensorFlow is optional: without it the benchmark runs PyTorch (and pneumo) only.
if "${pip[@]}" tensorflow-cpu || "${pip[@]}" tensorflow; then
    "$venv/bin/python" -c "import tensorflow, keras" 2>/dev/null || echo "TensorFlow installed but does not import" >&2
else
    echo "TensorFlow could not be installed; run bench.py with --frameworks pytorch" >&2
fi
TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" - <<'PY'
import torch
print("torch", torch.__version__)
try:
    import tensorflow, keras
    print("tensorflow", tensorflow.__version__, "keras", keras.__version__)
except ImportError:
    print("tensorflow not available")
PY
