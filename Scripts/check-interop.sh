#!/usr/bin/env bash
# Checks that the Python safetensors library reads our checkpoints (through numpy, and through
# torch where torch is installed), that we read its files, and that PIL decodes our PNGs.
# Needs PyPI for the first run. CI runs it without torch (PyPI's torch wheel is gigabytes);
# PNEUMO_INTEROP_TORCH=1 installs torch too (a CPU-only build first, as Scripts/peers/setup.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${PNEUMO_INTEROP_VENV:-.venv-interop}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import safetensors, numpy, PIL" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check safetensors numpy pillow
fi
if [ "${PNEUMO_INTEROP_TORCH:-0}" = 1 ] && ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check "torch==${TORCH_CPU_VERSION:-2.13.0+cpu}" \
        || "$venv/bin/pip" install -q --disable-pip-version-check torch
fi
directory="$(mktemp -d)"
trap 'rm -rf "$directory"' EXIT
"$venv/bin/python" Scripts/interop.py write "$directory"
swift build --build-tests
# Its XCTest summary stays in a log, so the full suite's stays the last one CI prints.
if ! PNEUMO_INTEROP_DIR="$directory" swift test --skip-build --disable-swift-testing --filter InteropExportTests \
        > "$directory/swift-test.log" 2>&1; then
    cat "$directory/swift-test.log" >&2
    exit 1
fi
grep -q "Executed 1 test, with 0 failures" "$directory/swift-test.log" \
    || { cat "$directory/swift-test.log" >&2; echo "InteropExportTests did not run" >&2; exit 1; }
echo "InteropExportTests: read numpy's (and torch's) files and wrote swift.safetensors and PNGs"
"$venv/bin/python" Scripts/interop.py check "$directory"
