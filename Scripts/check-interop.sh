#!/usr/bin/env bash
# Checks that the Python safetensors library (numpy and torch flavours) reads our checkpoints,
# that we read its files, and that PIL decodes our PNGs. Needs network for pip; not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${PNEUMO_INTEROP_VENV:-.venv-interop}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q safetensors numpy pillow torch
fi
directory="$(mktemp -d)"
trap 'rm -rf "$directory"' EXIT
"$venv/bin/python" Scripts/interop.py write "$directory"
PNEUMO_INTEROP_DIR="$directory" swift test --filter InteropExportTests
"$venv/bin/python" Scripts/interop.py check "$directory"
